"""The audit trail as a reader takes it in (用户与审计): times in the configured zone (the server's own by
default, `[audit] timezone`) to the second, actions and roles in words, details as "键：值" pairs, not JSON.
The trail itself is untouched: the stored rows keep their ISO times and codes, and the downloads show what
the table shows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from coopdash.auth.roles import ROLES
from coopdash.data.settings import settings
from coopdash.i18n.catalogue import CATALOGUE
from coopdash.i18n.labels import lang, t


# the actions the trail records, in the order the filter offers them
ACTIONS = ("login_ok", "login_failed", "login_locked", "login_proxy", "logout", "user_added", "user_enabled",
           "user_disabled", "user_changed", "user_removed", "page_view", "page_refused", "download",
           "explorer_query", "console_query", "upload", "upload_refused", "review", "publish", "publish_refused",
           "rollback")


def zone() -> dt.tzinfo:
    """The audit page's clock: `[audit] timezone` (an IANA name), else the server's local zone."""
    name = settings().audit_timezone
    return ZoneInfo(name) if name else dt.datetime.now().astimezone().tzinfo


def zone_name() -> str:
    """'Asia/Shanghai (UTC+08:00)', or the server's zone as 'UTC+00:00'."""
    now = dt.datetime.now(zone())
    offset = now.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    return f"{settings().audit_timezone} ({utc})" if settings().audit_timezone else utc


def local_time(value: str | dt.datetime | None) -> str:
    """An audit time (ISO 8601 with its offset) as '2026-12-06 21:05:09' in the audit zone."""
    if value is None or value == "":
        return "—"
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(zone()).strftime("%Y-%m-%d %H:%M:%S")


def day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last moment of the days chosen, in the audit zone (what the reader's dates mean)."""
    tz = zone()
    return (dt.datetime.combine(since, dt.time.min, tzinfo=tz), dt.datetime.combine(until, dt.time.max, tzinfo=tz))


def action_label(code: str) -> str:
    """'login_ok' → '登录成功'; a code without a label stays as it is."""
    return t(f"audit.act.{code}") if f"audit.act.{code}" in CATALOGUE else code


def role_label(code: str) -> str:
    return ROLES[code].label if code in ROLES else (code or "—")


_PLACES = {"streets", "street", "community", "communities"}  # codes shown by name when the name is known


def _value(key: str, value, names: dict | None = None) -> str:
    names = names or {}
    if isinstance(value, bool):
        return t("audit.yes") if value else t("audit.no")
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(_value(key, v, names) for v in value) if value else "—"
    if isinstance(value, dict):  # a link's filters: from / to are dates there, not versions
        keys = {"from": "start", "to": "end"} if key == "filters" else {}
        return "，".join(f"{_key(keys.get(k, k))} {_value(k, v, names)}" for k, v in value.items()) if value else "—"
    if key == "role":
        return role_label(str(value))
    if key in _PLACES:
        return str(names.get(value, value))
    if key == "until" and isinstance(value, str) and "T" in value:
        try:
            return local_time(value)
        except ValueError:
            return value
    return str(value)


def _key(key: str) -> str:
    return t(f"audit.key.{key}") if f"audit.key.{key}" in CATALOGUE else key


def details_text(details: dict | None, names: dict | None = None) -> str:
    """{"table": "x", "rows": 3} → '表格：x；行数：3' (English: 'table: x; rows: 3'); street and community
    codes by their `names` where known."""
    if not details:
        return "—"
    colon, sep = (": ", "; ") if lang() == "en" else ("：", "；")
    return sep.join(f"{_key(k)}{colon}{_value(k, v, names)}" for k, v in details.items())
