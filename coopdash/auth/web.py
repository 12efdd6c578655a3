"""The sign-in page, sign-out, and the gate in front of the pages: Starlette routes and middleware
mounted next to Streamlit by server.py (`st.App`).

The session cookie is set here, in an HTTP response, because only a response can set an HttpOnly
cookie (a Streamlit script run cannot). It holds a random session token, signed with the key every
server process shares (coopdash/auth/tokens.py); the token's SHA-256 is what the accounts database
keeps. The script run checks the session again on every rerun (coopdash/app/session.py): this module
only decides where a browser's page request goes.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from coopdash.auth import tokens
from coopdash.auth.accounts import LoginRefused, shared
from coopdash.data.errors import CoopError
from coopdash.data.settings import auth_mode, settings

LOGIN, LOGOUT = "/auth/login", "/auth/logout"
METRICS, MEDIA = "/_stcore/metrics", "/media/"  # behind the session gate: they tell about, or hold, a session's data
FRAME_HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'")]
# requests the gate lets through: Streamlit's own endpoints and files, and these routes
_PASS = ("/_stcore/", "/static/", "/media/", "/component/", "/auth/", "/app/static/", "/favicon")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this server, never another site."""
    value = (value or "/").strip()
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 龙潭区共享物业社看板 / Sign in</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; background: #f6f6f4;
       margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; color: #222; }}
main {{ background: #fff; border-top: 6px solid #b22222; padding: 2rem 2.4rem; width: 22rem;
       box-shadow: 0 1px 6px rgba(0,0,0,.12); border-radius: .4rem; }}
h1 {{ font-size: 1.35rem; margin: 0 0 .2rem 0; }} .en {{ color: #666; font-size: .85rem; }}
label {{ display: block; margin: 1rem 0 .3rem 0; font-weight: 600; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem;
       border: 1px solid #bbb; border-radius: .3rem; }}
button {{ margin-top: 1.4rem; width: 100%; padding: .65rem; font-size: 1.05rem; background: #b22222; color: #fff;
         border: 0; border-radius: .3rem; cursor: pointer; }}
.error {{ background: #fdecea; color: #8b0000; padding: .6rem .8rem; border-radius: .3rem; margin-top: 1rem; }}
.note {{ margin-top: 1rem; font-size: .85rem; color: #555; }}
</style></head>
<body><main>
<h1>龙潭区共享物业社看板</h1><div class="en">Longtan District shared property cooperatives</div>
{message}
<form method="post" action="{action}">
<input type="hidden" name="next" value="{next}">
<label for="name">用户名 <span class="en">User name</span></label>
<input type="text" id="name" name="name" value="{name}" autocomplete="username" autofocus required maxlength="64">
<label for="password">密码 <span class="en">Password</span></label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">登录 <span style="font-size:.85rem">Sign in</span></button>
</form>
<div class="note">{note}</div>
</main></body></html>
"""


def _page(next_: str, message: str = "", name: str = "", note: str = "", status: int = 200) -> HTMLResponse:
    body = PAGE.format(action=LOGIN, next=html.escape(next_), name=html.escape(name), message=message,
                       note=note or "忘记密码请联系数据管理员。<br><span class=\"en\">Forgot your password? Ask the "
                                    "data administrator.</span>")
    response = HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store",
                                                              "X-Frame-Options": "DENY"})
    return response


def _error(zh: str, en: str) -> str:
    return f'<div class="error" role="alert">{html.escape(zh)}<br><span class="en">{html.escape(en)}</span></div>'


def _session_user(request: Request):
    token = tokens.unsign(request.cookies.get(settings().cookie_name))
    return shared().session(token) if token else None


async def login_page(request: Request):
    next_ = safe_next(request.query_params.get("next"))
    if auth_mode() != "accounts":
        return RedirectResponse(next_, status_code=303)
    if await run_in_threadpool(_session_user, request) is not None:
        return RedirectResponse(next_, status_code=303)
    response = _page(next_)
    response.delete_cookie(settings().cookie_name, path="/")  # a stale or forged one
    return response


async def login_submit(request: Request):
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        return _page("/", _error("请求来源不符，已拒绝。", "The request came from another site: refused."), status=403)
    form = await request.form()
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    next_ = safe_next(str(form.get("next", "/")))
    if auth_mode() != "accounts":
        return RedirectResponse(next_, status_code=303)
    try:
        _user, token = await run_in_threadpool(shared().login, name, password, _client(request))
    except LoginRefused as exc:
        return _page(next_, _error(exc.zh, exc.en), name=name, status=429 if exc.locked else 401)
    response = RedirectResponse(next_, status_code=303)
    response.set_cookie(settings().cookie_name, tokens.sign(token), httponly=True, samesite="lax", path="/",
                        secure=_secure(request))
    return response


LOGOUT_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>退出登录 / Sign out</title></head>
<body style="font-family: sans-serif; margin: 3rem">
<form method="post" action="{action}"><input type="hidden" name="token" value="{token}">
<button type="submit">退出登录 / Sign out</button></form>
<p><a href="/">返回看板 / back to the dashboard</a></p></body></html>
"""


def _same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    return not origin or urlsplit(origin).netloc == request.headers.get("host", "")


async def logout_page(request: Request):
    """GET signs nobody out (a link on another site could): it shows the sign-out form."""
    token = tokens.unsign(request.cookies.get(settings().cookie_name))
    if not token:
        return RedirectResponse(LOGIN, status_code=303)
    body = LOGOUT_PAGE.format(action=LOGOUT, token=html.escape(tokens.logout_token(token)))
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


async def logout(request: Request):
    """Sign-out: a POST from this site carrying the session's sign-out token (tokens.logout_token)."""
    token = tokens.unsign(request.cookies.get(settings().cookie_name))
    form = await request.form()
    given = str(form.get("token", ""))
    if not token:
        return RedirectResponse(LOGIN, status_code=303)
    if not _same_site(request) or not hmac.compare_digest(given.encode(), tokens.logout_token(token).encode()):
        return HTMLResponse(_error("退出登录的请求缺少有效的令牌或来自其他网站，已拒绝（未退出）。",
                                   "The sign-out request had no valid token or came from another site: refused "
                                   "(still signed in)."), status_code=403)
    await run_in_threadpool(shared().logout, token, _client(request))
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(settings().cookie_name, path="/")
    return response


def routes() -> list[Route]:
    return [Route(LOGIN, login_page, methods=["GET"]), Route(LOGIN, login_submit, methods=["POST"]),
            Route(LOGOUT, logout_page, methods=["GET"]), Route(LOGOUT, logout, methods=["POST"])]


class Gate:
    """ASGI middleware: in `accounts` mode, a browser asking for a page without a valid session is sent
    to the sign-in page (and comes back to the same link afterwards). `/_stcore/metrics` and `/media/*`
    (a session's downloads) answer only a signed-in session (accounts: its cookie; proxy: a proven header
    of an active user): 403 otherwise, also after sign-out. The session's websocket is refused when its
    Origin is neither this site (the Host it asked for) nor one of `[auth] site_origins`. Everything else
    passes: the script run refuses what the session may not see, whatever reached it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(Headers(scope=scope)):
            await send({"type": "websocket.close", "code": 1008})  # before accept: the handshake gets 403
            return
        if scope["type"] == "http" and scope["path"].startswith((METRICS, MEDIA)):
            if await run_in_threadpool(self._no_session, Request(scope)):
                await PlainTextResponse("未登录或会话已结束 / not signed in, or the session has ended",
                                        status_code=403, headers={"Cache-Control": "no-store"})(scope, receive, send)
                return
        if scope["type"] == "http" and scope["method"] == "GET" and not scope["path"].startswith(_PASS):
            headers = Headers(scope=scope)
            if "text/html" in headers.get("accept", "") and auth_mode() == "accounts":
                request = Request(scope)
                if await run_in_threadpool(self._must_sign_in, request):
                    target = scope["path"] + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
                    await RedirectResponse(LOGIN + "?next=" + quote(target, safe=""), status_code=303)(
                        scope, receive, send)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    def _must_sign_in(request: Request) -> bool:
        store = shared()
        return store.count() > 0 and _session_user(request) is None

    @staticmethod
    def _no_session(request: Request) -> bool:
        mode = auth_mode()
        if mode == "accounts":
            return shared().count() > 0 and _session_user(request) is None
        if mode == "proxy":  # ProxyProof has removed an unproven header
            name = (request.headers.get(settings().proxy_header) or "").strip()
            return not name or shared().proxy_user(name, _client(request)) is None
        return False


def origin_allowed(headers: Headers) -> bool:
    """A websocket's Origin: none (not a browser), this site (Origin's host and port = Host), or configured."""
    origin = headers.get("origin")
    if origin is None:
        return True
    if origin.rstrip("/") in settings().site_origins:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc == headers.get("host", "")


class FrameHeaders:
    """ASGI middleware: every HTTP answer says it may not be framed by any page (clickjacking):
    `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def framed(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in FRAME_HEADERS if h[0] not in names)]}
            await send(message)

        await self.app(scope, receive, framed)


# ------------------------------------------------------------------------------------------ proxy mode
def proxy_proof(headers: Headers, client: str) -> bool:
    """Whether a request came through our proxy: it carries the proxy secret (state/proxy.key) in
    `[auth] proxy_secret_header`, or it comes from one of `[auth] proxy_trusted_addresses`."""
    cfg = settings()
    if client and client in cfg.proxy_trusted:
        return True
    if not cfg.proxy_secret_header:
        return False
    given = headers.get(cfg.proxy_secret_header, "")
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"),
                                               tokens.proxy_secret().encode("utf-8"))


class ProxyProof:
    """ASGI middleware, first in line: in `proxy` mode the SSO user header of a request (page, websocket,
    upload, download) without proof that it came from our proxy is removed, so the session gate
    (coopdash/app/session.py) sees a signed-out request; the secret header itself is always removed, so
    no script run can read (or show) it. In other modes the user header is removed too: it means nothing."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            cfg = settings()
            user_h = cfg.proxy_header.lower().encode("latin-1")
            secret_h = cfg.proxy_secret_header.lower().encode("latin-1")
            keep_user = False
            if auth_mode() == "proxy":
                client = scope.get("client") or ("", 0)
                keep_user = proxy_proof(Headers(scope=scope), client[0] or "")
            raw = scope.get("headers") or []
            cleaned = [(k, v) for k, v in raw
                       if not (secret_h and k.lower() == secret_h) and (keep_user or k.lower() != user_h)]
            if len(cleaned) != len(raw):
                scope = {**scope, "headers": cleaned}
        await self.app(scope, receive, send)


def _loopback(address: str) -> bool:
    if address in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def refuse_unsafe_proxy(address: str | None) -> None:
    """Proxy mode on a server that listens beyond this machine (`address` "" or None: every interface)
    with no secret: refused, saying why (anyone who reaches the port could name any user)."""
    if auth_mode() != "proxy":
        return
    cfg = settings()
    secret = tokens.proxy_secret() if cfg.proxy_secret_header else ""
    if not secret and not _loopback(address or ""):
        raise CoopError(
            f"proxy 模式下服务监听 {address or '所有网卡'}，却没有代理密钥（[auth] proxy_secret_header 为空）："
            "任何能连到端口的人都能冒充任意用户，拒绝启动。请设置 proxy_secret_header，或只监听 127.0.0.1。",
            f"proxy mode with the server listening on {address or 'every interface'} and no proxy secret "
            "([auth] proxy_secret_header is empty): anyone who reaches the port could name any user, so the "
            "server refuses to start. Set proxy_secret_header, or listen on 127.0.0.1 only.")
