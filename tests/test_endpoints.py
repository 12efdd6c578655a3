"""Issue 24, the server's endpoints, against the real server.py in `accounts` mode on the fixture: metrics
and media only for a signed-in session (and not after sign-out), sign-out only by POST with its token,
no page framed, the websocket's Origin checked against the site."""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from coopdash.auth.accounts import Accounts
from tests.test_browser_auth import PASSWORD, auth_server, sign_in_http


@pytest.fixture(scope="module")
def site(fixture_dir, tmp_path_factory):
    state = tmp_path_factory.mktemp("endpoint-state")
    Accounts(state).add("lead", "leader", (), PASSWORD, "test")
    with auth_server("accounts", fixture_dir, state) as (base, port):
        yield base, port, state


def fetch(url: str, cookie: str | None = None, method: str = "GET", data: dict | None = None,
          headers: dict | None = None) -> tuple[int, dict, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    h = {**(headers or {}), **({"Cookie": f"coop_session={cookie}"} if cookie else {})}
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=h, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def signed_in(base: str, cookie: str) -> bool:
    """A page request with the cookie is served (not sent to the sign-in page)."""
    return fetch(base + "/", cookie, headers={"Accept": "text/html"})[0] == 200


def test_metrics_and_media_answer_only_a_signed_in_session(site):
    base, _, _ = site
    assert fetch(base + "/_stcore/metrics")[0] == 403  # before: 200, naming the sessions and caches
    assert fetch(base + "/media/0123456789abcdef.docx")[0] == 403
    cookie = sign_in_http(base, "lead")[1]["coop_session"]
    status, _, text = fetch(base + "/_stcore/metrics", cookie)
    assert status == 200 and "session" in text
    assert fetch(base + "/media/0123456789abcdef.docx", cookie)[0] == 404  # through the gate; no such file
    token = re.search(r'name="token" value="([0-9a-f]{64})"', fetch(base + "/auth/logout", cookie)[2]).group(1)
    assert fetch(base + "/auth/logout", cookie, "POST", {"token": token})[0] == 303
    assert fetch(base + "/_stcore/metrics", cookie)[0] == 403  # after sign-out: the session's files are gone too
    assert fetch(base + "/media/0123456789abcdef.docx", cookie)[0] == 403


def test_sign_out_needs_a_post_with_its_token(site):
    base, _, state = site
    cookie = sign_in_http(base, "lead")[1]["coop_session"]
    status, _, page = fetch(base + "/auth/logout", cookie)  # a link (GET), e.g. from another site
    assert status == 200 and 'method="post"' in page and signed_in(base, cookie)
    assert fetch(base + "/auth/logout", cookie, "POST", {})[0] == 403  # a cross-site form has no token
    assert fetch(base + "/auth/logout", cookie, "POST", {"token": "0" * 64})[0] == 403
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page).group(1)
    assert fetch(base + "/auth/logout", cookie, "POST", {"token": token},
                 {"Origin": "http://evil.example"})[0] == 403  # the right token, from another site
    assert signed_in(base, cookie)
    status, headers, _ = fetch(base + "/auth/logout", cookie, "POST", {"token": token})
    assert status == 303 and headers["location"] == "/auth/login"
    assert not signed_in(base, cookie)
    assert [r["action"] for r in Accounts(state).audit_rows(user="lead", action="logout")]


@pytest.mark.parametrize("path", ["/", "/service_orders", "/auth/login", "/_stcore/health", "/static/icon.png"])
def test_no_answer_may_be_framed(site, path):
    base, _, _ = site
    _, headers, _ = fetch(base + path, headers={"Accept": "text/html"})
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in lower["content-security-policy"]


def test_the_websocket_accepts_only_this_sites_origin(site):
    import websockets
    _, port, _ = site

    async def handshake(origin: str | None):
        headers = {"Origin": origin} if origin else {}
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                          additional_headers=headers, open_timeout=30):
                return "open"
        except websockets.exceptions.InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(handshake(f"http://127.0.0.1:{port}")) == "open"  # the page's own
    assert asyncio.run(handshake(None)) == "open"  # not a browser
    for other in (f"http://127.0.0.1:{port + 1}", "http://localhost:3000", "http://evil.example"):
        assert asyncio.run(handshake(other)) == 403, other  # before: any port of localhost was accepted
