"""用户与审计 — the accounts (add, disable, enable, reset a password, remove) and the audit trail,
for data administrators. The same operations as `python -m coopdash.users`, recorded the same way."""

import datetime as dt

import pandas as pd
import streamlit as st

from coopdash.app import audit_view, cache, session, ui
from coopdash.app.sidebar import current
from coopdash.auth.roles import ROLES
from coopdash.data.errors import CoopError
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

current()
store = session.accounts()
me, _role, address = session.identity()
ui.header("page.users")
users_tab, audit_tab = st.tabs([t("users.tab_users"), t("users.tab_audit")])


def act(what: str, change, *args) -> None:
    """A button's change to an account, as a callback: done, or refused with the reason kept for the run."""
    try:
        change(*args, me, address)
    except CoopError as exc:
        st.session_state["users_refused"] = (exc.zh, exc.en)
    else:
        st.session_state["users_done"] = t("users.done", what=fmt.md(what))


with users_tab:
    if msg := st.session_state.pop("users_done", None):
        st.success(msg)
    if refused := st.session_state.pop("users_refused", None):
        st.error(fmt.md(refused[0]))
        st.caption(fmt.md(refused[1]))
    names = cache.street_names(*cache.version())
    users = store.users()
    frame = pd.DataFrame({"name": [u.name for u in users], "role": [ROLES[u.role].label for u in users],
                          "streets": ["、".join(names.get(s, s) for s in u.streets) for u in users],
                          "status": [t("users.status_disabled" if u.disabled else "users.status_active")
                                     for u in users]})
    ui.table(frame, {"name": (t("col.user"), "text"), "role": (t("col.role"), "text"),
                     "streets": (t("col.streets"), "text"), "status": (t("col.status"), "text")},
             key="users_list")

    with st.expander(t("users.add")):
        with st.form("users_add", clear_on_submit=True):
            name = st.text_input(t("users.name"), max_chars=64, key="users_new_name")
            role = st.selectbox(t("users.role"), list(ROLES), format_func=lambda r: ROLES[r].label,
                                key="users_new_role")
            streets = st.multiselect(t("users.streets"), list(names), format_func=names.get, key="users_new_streets",
                                     placeholder=t("filter.choose"), select_all=False)
            password = st.text_input(t("users.password"), type="password", key="users_new_password")
            again = st.text_input(t("users.password_again"), type="password", key="users_new_again")
            if st.form_submit_button(t("users.submit_add"), type="primary", key="users_submit"):
                if password != again:
                    st.error(t("users.password_mismatch"))
                else:
                    try:
                        store.add(name.strip(), role, tuple(streets) if role == "street" else (), password, me,
                                  address)
                    except CoopError as exc:
                        st.error(fmt.md(exc.zh))
                        st.caption(fmt.md(exc.en))
                    else:  # again from the top, so the list and the picker hold the new user
                        st.session_state["users_done"] = t("users.added", name=name.strip())
                        st.rerun()

    if users:
        chosen = st.selectbox(t("users.pick"), [u.name for u in users], key="users_pick")
        target = next(u for u in users if u.name == chosen)
        left, mid, right = st.columns(3)
        if target.disabled:
            left.button(t("users.enable"), key="users_enable", width="stretch",
                        on_click=act, args=(t("users.enable"), store.set_disabled, chosen, False))
        else:
            left.button(t("users.disable"), key="users_disable", width="stretch", disabled=chosen == me,
                        on_click=act, args=(t("users.disable"), store.set_disabled, chosen, True))
        confirm = right.checkbox(t("users.remove_confirm"), key="users_remove_confirm")
        right.button(t("users.remove"), key="users_remove", width="stretch", disabled=not confirm or chosen == me,
                     on_click=act, args=(t("users.remove"), store.remove, chosen))
        with mid.popover(t("users.set_password"), width="stretch"):
            new = st.text_input(t("users.new_password"), type="password", key="users_reset_password")
            st.button(t("users.set_password"), key="users_set_password", disabled=not new,
                      on_click=act, args=(t("users.set_password"), store.set_password, chosen, new))
    st.caption(t("users.cli_hint"))
    st.code("python -m coopdash.users list\npython -m coopdash.users add NAME --role street --street CODE",
            language="bash")

with audit_tab:
    today = dt.datetime.now(audit_view.zone()).date()
    c1, c2, c3, c4 = st.columns(4)
    since = c1.date_input(t("audit.since"), value=today - dt.timedelta(days=30), key="audit_since")
    until = c2.date_input(t("audit.until"), value=today, key="audit_until")
    who = c3.selectbox(t("audit.user"), [None, *[u.name for u in store.users()]], key="audit_user",
                       format_func=lambda v: t("audit.all") if v is None else v)
    action = c4.selectbox(t("audit.action"), [None, *audit_view.ACTIONS], key="audit_action",
                          format_func=lambda v: t("audit.all") if v is None else audit_view.action_label(v))
    first, last = audit_view.day_bounds(since, until)  # the days as the reader's clock has them
    rows = store.audit_rows(since=first, until=last, user=who, action=action)
    trail = pd.DataFrame(rows, columns=["id", "at", "user", "role", "client", "action", "details"])
    trail["at"] = [audit_view.local_time(v) for v in trail["at"]]
    trail["role"] = [audit_view.role_label(v) for v in trail["role"]]
    trail["action"] = [audit_view.action_label(v) for v in trail["action"]]
    trail["details"] = [audit_view.details_text(d, names) for d in trail["details"]]
    st.caption(t("audit.rows", n=len(trail)) + " · " + t("audit.zone", zone=audit_view.zone_name()))
    ui.table(trail, {"at": (t("col.at"), "text"), "user": (t("col.user"), "text"), "role": (t("col.role"), "text"),
                     "client": (t("col.client"), "text"), "action": (t("col.action"), "text"),
                     "details": (t("col.details"), "text")}, key="audit_trail")
