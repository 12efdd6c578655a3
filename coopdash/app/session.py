"""Who is using this session, and what they may see: the gate every run passes first.

`gate()` (dashboard.py, before the navigation) finds the user from the auth mode:
- `accounts`: the signed, HttpOnly session cookie set by the sign-in page (coopdash/auth/web.py),
  checked against the accounts database on every run, so a disabled user or an ended session is
  refused at the next rerun;
- `proxy`: the trusted header of the intranet single sign-on proxy, for a user in the database;
- `none`: everyone is an anonymous administrator, and a banner says so.
Without a user the run draws why (and how to sign in) and stops. `scope()` is what the caching
boundary (coopdash/app/cache.py) hands the data layer with every query; pages never see it.
"""

from __future__ import annotations

import html
import json
import time
from urllib.parse import quote

import streamlit as st

from coopdash.app.state import K_NAMES, K_SIGNED_OUT, K_TOKEN, K_USER, K_VIEWED
from coopdash.auth import tokens
from coopdash.auth.accounts import Accounts, User, shared
from coopdash.auth.roles import ROLES, Role
from coopdash.data.errors import Refused
from coopdash.data.scope import EVERYTHING, Scope
from coopdash.data.settings import auth_mode, settings
from coopdash.i18n import fmt
from coopdash.i18n.catalogue import CATALOGUE
from coopdash.i18n.labels import t

ANONYMOUS = User("anonymous", "admin")  # mode `none`: the open demo
LOGIN_PATH, LOGOUT_PATH = "/auth/login", "/auth/logout"
VIEW_AUDIT_SECONDS = 60  # the same view (page + filters) is recorded once a minute per session


def accounts() -> Accounts:
    """The accounts and audit database of the state folder (one per process, shared by every session)."""
    return shared()


def client() -> str:
    """The client's address as the server saw it ("localhost" for a local browser)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 — outside a browser session
        address = None
    return address if isinstance(address, str) and address else "localhost"


def _sign_in_link(label_key: str = "auth.sign_in") -> None:
    target = LOGIN_PATH + "?next=" + quote(_here(), safe="")
    st.markdown(f'<a href="{html.escape(target)}" target="_self">{html.escape(t(label_key))} →</a>',
                unsafe_allow_html=True)


def _here() -> str:
    """The current page's path and query, for the sign-in page to come back to."""
    try:
        url = st.context.url or "/"
    except Exception:  # noqa: BLE001
        url = "/"
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
    query = "&".join(f"{quote(k)}={quote(v)}" for k in st.query_params.keys() for v in st.query_params.get_all(k))
    return path.split("?", 1)[0] + ("?" + query if query else "")


def say(kind: str, key: str, zh: dict | None = None, en: dict | None = None) -> None:
    """A message in both languages: Chinese in the box, English under it (a refusal always says why
    in both, whatever the session's language)."""
    zh_text, en_text = CATALOGUE[key]
    zh = {k: fmt.md(v) for k, v in (zh or {}).items()}  # the values are data (a name from a header …)
    en = {k: fmt.md(v) for k, v in en.items()} if en is not None else zh
    getattr(st, kind)(zh_text.format(**zh))
    st.caption(en_text.format(**en))


def both(key: str, **fmt) -> str:
    """A catalogue label in both languages, "中文 / English" (for one-line notices)."""
    zh_text, en_text = CATALOGUE[key]
    return f"{zh_text.format(**fmt)} / {en_text.format(**fmt)}"


def _stop(key: str, sign_in: bool = False, **fmt) -> None:
    st.title(t("app.title"))
    say("info", key, fmt)
    if sign_in:
        _sign_in_link()
    st.stop()


def gate() -> User:
    """The user of this run, or a page that says why there is none (and the run stops)."""
    ss = st.session_state
    mode = auth_mode()
    if mode == "none":
        ss[K_USER] = ANONYMOUS
        return ANONYMOUS
    store = accounts()
    if mode == "proxy":
        header = settings().proxy_header
        name = (st.context.headers.get(header) or "").strip()
        if not name:
            ss.pop(K_USER, None)
            _stop("auth.proxy_missing", header=header)
        user = store.proxy_user(name, client())
        if user is None:
            ss.pop(K_USER, None)
            _stop("auth.proxy_unknown", name=name)
        if ss.get(K_USER) is None or ss[K_USER].name != user.name:
            store.audit(user.name, user.role, client(), "login_proxy", {"header": header})
        ss[K_USER] = user
        return user
    if store.count() == 0:
        ss.pop(K_USER, None)
        st.title(t("app.title"))
        say("warning", "auth.no_accounts")
        st.code("python -m coopdash.users add admin --role admin", language="bash")
        say("caption", "auth.no_accounts_after")
        st.stop()
    token = tokens.unsign(st.context.cookies.get(settings().cookie_name)) or ss.get(K_TOKEN)
    user = store.session(token) if token else None
    if user is None:
        had = ss.pop(K_USER, None) is not None or K_TOKEN in ss
        ss.pop(K_TOKEN, None)
        if ss.pop(K_SIGNED_OUT, False):
            _stop("auth.signed_out", sign_in=True)
        _stop("auth.session_over" if had else "auth.need_sign_in", sign_in=True)
    ss[K_TOKEN], ss[K_USER] = token, user
    return user


def user() -> User | None:
    """The user the gate let through on this run (None before the gate or outside a session)."""
    try:
        return st.session_state.get(K_USER)
    except Exception:  # noqa: BLE001 — no session (a command-line or benchmark caller)
        return None


def role() -> Role:
    u = user()
    return ROLES[u.role if u else "admin"]


def _in_session() -> bool:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    return get_script_run_ctx(suppress_warning=True) is not None


def scope() -> Scope:
    """The data scope of this run's user, for every query. Refused inside a session the gate did not
    let through; the whole dataset for callers outside a Streamlit session (command line, benchmarks)."""
    if not _in_session():
        return EVERYTHING
    u = user()
    if u is None:
        raise Refused("未登录，不能查询数据", "not signed in: no data")
    return u.scope


def pages() -> frozenset[str]:
    """The pages this run's user may open: their role's; without sign-in (`none`) not user management,
    which would let anyone who can reach the server create accounts."""
    u = user()
    if u is None:
        return frozenset()
    allowed = ROLES[u.role].pages
    return allowed - {"users"} if auth_mode() == "none" else allowed


def may(page_id: str) -> bool:
    """Whether this run's user may open `page_id` (anything, for a caller outside a Streamlit session)."""
    if not _in_session():
        return True
    return page_id in pages()


def audit(action: str, details: dict | None = None, who: tuple[str, str, str] | None = None) -> None:
    """One row of the audit trail for this session's user (or `who` = (user, role, client), captured
    earlier, for work done outside the script run such as a deferred download)."""
    name, role_name, address = who or identity()
    accounts().audit(name, role_name, address, action, details or {})


def identity() -> tuple[str, str, str]:
    u = user() or ANONYMOUS
    return u.name, u.role, client()


def page_viewed(page_id: str, filters: dict) -> None:
    """Record a page view for each distinct page + filters; the same view again within a minute (a rerun,
    a widget on the page) once."""
    seen = st.session_state.setdefault(K_VIEWED, {})
    now = time.monotonic()
    for key in [k for k, at in seen.items() if now - at >= VIEW_AUDIT_SECONDS]:
        del seen[key]  # only the last minute's views are kept
    view = (page_id, json.dumps(filters, sort_keys=True, default=str))
    if view not in seen:
        seen[view] = now
        audit("page_view", {"page": page_id, "filters": filters})


def explorer_query(spec_query: dict, sql: str, params: dict) -> None:
    """Record an explorer query when it differs from this session's last one (reruns repeat it)."""
    ss = st.session_state
    key = (sql, repr(sorted(params.items())))
    if ss.get("auth_last_explorer") != key:
        ss["auth_last_explorer"] = key
        audit("explorer_query", {"spec": spec_query})


def refused_page(page_id: str):
    """A stand-in for a page the role may not open: same URL, says why, records the attempt."""
    def page() -> None:
        audit("page_refused", {"page": page_id})
        say("error", "auth.page_refused", {"role": role().zh}, {"role": role().en})
    page.__name__ = f"refused_{page_id}"
    return page


def _logout() -> None:
    token = st.session_state.get(K_TOKEN)
    if token:
        accounts().logout(token, client())
    st.session_state[K_SIGNED_OUT] = True


def account_box() -> None:
    """The account line, its streets and the sign-out button (or the open-mode banner), drawn where the
    caller says (dashboard.py: a container at the top of the sidebar)."""
    u = user()
    if auth_mode() == "none" or u is None:
        st.info(t("auth.open_banner"), icon=":material/lock_open:")
        return
    r = ROLES[u.role]
    st.caption(t("auth.signed_in_as", name=fmt.md(u.name), role=r.label))
    if u.scope.limited:
        names = st.session_state.get(K_NAMES, {})
        st.caption(t("auth.scope", streets=fmt.md("、".join(names.get(c, c) for c in u.streets))))
    if auth_mode() == "accounts":
        st.button(t("auth.logout"), key="auth_logout", on_click=_logout, type="tertiary")
