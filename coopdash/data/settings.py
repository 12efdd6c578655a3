"""Reads config/dashboard.toml once: program dates, query-layer limits and the other configured values.

Every key the file may hold is in KEYS, with its type, default and help (docs/settings.md is written from
it: `python -m coopdash.data.settings > docs/settings.md`). A key that is not there, a value of the wrong
type or a required key missing stops the start with a message naming the file, the key and what is
allowed; a key left out takes its default."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from coopdash import ROOT
from coopdash.data.contract import ORDER_CATEGORY
from coopdash.data.errors import CoopError

CONFIG_FILE = ROOT / "config" / "dashboard.toml"
DEFAULT_DATA_DIR = ROOT / "data" / "demo"
DEFAULT_STATE_DIR = ROOT / "state"
AUTH_MODES = ("accounts", "proxy", "none")


@dataclass(frozen=True)
class Settings:
    launch: dt.date
    report_date: dt.date
    cache_ttl_seconds: int
    cache_max_entries: int
    memory_limit: str
    threads: int
    query_pool_threads: int  # threads shared by every session's side-by-side queries (db.execute_many)
    query_pages_at_once: int  # pages computing at once in a server process (coopdash/app/turns.py)
    query_time_limit: float  # seconds before a page's statement is interrupted by DuckDB (db.fetch)
    deadlines: dict[str, float]  # hours per service-order category (every contract category)
    tile_url: str  # intranet map tiles ({z}/{x}/{y}); "" for none
    tile_attribution: str
    map_aggregate_above: int  # compounds in scope above which the map draws one point per community
    cooperative_rules: dict[str, float]  # min_members, max_members, chairs, vice_chairs, party_share_above
    console_time_limit: float  # seconds before a console query is interrupted
    console_row_cap: int
    console_memory_limit: str
    console_workers: int  # statements at once, each in a worker process of its own (coopdash/workbench/sandbox.py)
    explorer_row_limit: int  # raw rows the explorer shows when nothing is grouped
    explorer_cache_entries: int  # the explorer's results are the large ones: a smaller cache of their own
    carousel_seconds: int  # default seconds per page of the projection carousel
    carousel_min_seconds: int
    carousel_max_seconds: int
    auth_mode: str  # [auth] mode: accounts | proxy | none (auth_mode() applies COOP_AUTH and the demo's mode)
    auth_demo_mode: str
    idle_seconds: int  # a session unused this long must sign in again
    max_failures: int  # failed sign-ins of one account within failure_window_seconds that lock it
    failure_window_seconds: int
    lock_seconds: int
    proxy_header: str
    proxy_secret_header: str  # the header our proxy adds with the secret of state/proxy.key; "" for none
    proxy_trusted: tuple[str, ...]  # client addresses whose SSO header is believed without the secret
    site_origins: tuple[str, ...]  # other origins the session's websocket may come from (besides the Host asked for)
    session_max_seconds: int  # a session this old must sign in again, however active
    cookie_name: str
    keep_versions: int  # [retention]: dataset versions kept besides the current one (the newest N) …
    keep_days: float  # … and any younger than this (coopdash/backup.py prune)
    events: tuple[tuple[dt.date, str, str], ...]  # (date, zh, en) marked on monthly trends, besides launch and report
    ranking_weights: dict[str, float]  # [ranking]: the street-office ranking's indicator → weight (coopdash/data/ranking.py)
    audit_timezone: str = ""  # [audit] timezone: the audit page's clock (an IANA name); "" the server's own


@cache
def settings() -> Settings:
    """The settings of config/dashboard.toml, checked against KEYS (a SettingsError names what is wrong)."""
    v = values()
    program, query, auth, console, explorer = v["program"], v["query"], v["auth"], v["console"], v["explorer"]
    carousel, retention, map_cfg = v["carousel"], v["retention"], v["map"]
    configured = v["service_deadlines"]
    deadlines = {c: float(configured[c] if configured[c] is not None else configured["other"])
                 for c in ORDER_CATEGORY.codes}
    return Settings(
        launch=program["launch"],
        report_date=program["report_date"],
        cache_ttl_seconds=query["cache_ttl_seconds"],
        cache_max_entries=query["cache_max_entries"],
        memory_limit=query["memory_limit"],
        threads=query["threads"],
        query_pool_threads=query["pool_threads"],
        query_pages_at_once=query["pages_at_once"],
        query_time_limit=float(query["time_limit_seconds"]),
        deadlines=deadlines,
        tile_url=map_cfg["tile_url"],
        tile_attribution=map_cfg["tile_attribution"],
        map_aggregate_above=map_cfg["aggregate_above"],
        cooperative_rules=dict(v["cooperative_rules"]),
        console_time_limit=float(console["time_limit_seconds"]),
        console_row_cap=console["row_cap"],
        console_memory_limit=console["memory_limit"],
        console_workers=console["workers"],
        explorer_row_limit=explorer["row_limit"],
        explorer_cache_entries=explorer["cache_entries"],
        audit_timezone=v["audit"]["timezone"],
        carousel_seconds=carousel["seconds"],
        carousel_min_seconds=carousel["min_seconds"],
        carousel_max_seconds=carousel["max_seconds"],
        auth_mode=auth["mode"],
        auth_demo_mode=auth["demo_mode"],
        idle_seconds=round(float(auth["idle_hours"]) * 3600),
        max_failures=auth["max_failures"],
        failure_window_seconds=round(float(auth["failure_window_minutes"]) * 60),
        lock_seconds=round(float(auth["lock_minutes"]) * 60),
        proxy_header=auth["proxy_header"],
        proxy_secret_header=auth["proxy_secret_header"],
        proxy_trusted=tuple(auth["proxy_trusted_addresses"]),
        site_origins=tuple(o.rstrip("/") for o in auth["site_origins"]),
        session_max_seconds=round(float(auth["session_max_days"]) * 86400),
        cookie_name=auth["cookie_name"],
        keep_versions=retention["keep_versions"],
        keep_days=float(retention["keep_days"]),
        events=tuple((e["date"], e["zh"], e["en"]) for e in v["events"]),
        ranking_weights=_weights(v["ranking"]),
    )


RANKING_INDICATORS = ("resolution_rate", "within_deadline_share", "mean_rating", "orders_per_1000", "overdue")


def _weights(configured: dict) -> dict[str, float]:
    """[ranking]'s weights (every indicator, 0 when not given): none negative, not all zero."""
    weights = {k: float(configured[k]) for k in RANKING_INDICATORS}
    if min(weights.values()) < 0 or not sum(weights.values()):
        raise SettingsError(f"{CONFIG_FILE.name} [ranking]：权重不能为负，也不能全为 0",
                            f"{CONFIG_FILE.name} [ranking]: a weight is negative or all are zero")
    return weights


class SettingsError(CoopError):
    """config/dashboard.toml holds an unknown key, a value of the wrong type, or lacks a required key."""


REQUIRED = object()  # a key with no default: the file must give it
KINDS = {  # kind → (what it is called in a message, zh / en; the test of a value)
    "int": ("整数", "an integer", lambda x: isinstance(x, int) and not isinstance(x, bool)),
    "number": ("数字", "a number", lambda x: isinstance(x, int | float) and not isinstance(x, bool)),
    "str": ("带引号的文本", "a quoted string", lambda x: isinstance(x, str)),
    "date": ("日期（如 2023-04-01）", "a date such as 2023-04-01",
             lambda x: isinstance(x, dt.date) and not isinstance(x, dt.datetime)),
    "strings": ("文本列表（如 [\"a\", \"b\"]）", "a list of quoted strings such as [\"a\", \"b\"]",
                lambda x: isinstance(x, list) and all(isinstance(i, str) for i in x)),
}


@dataclass(frozen=True)
class Key:
    section: str  # the [table]; for an array of tables ([[events]]) each entry's key
    name: str
    kind: str  # one of KINDS
    default: object  # REQUIRED, or the value a missing key takes (None: see the help)
    help: str  # Chinese / English, one line
    choices: tuple = ()


def _keys() -> tuple[Key, ...]:
    k = Key
    deadlines = tuple(k("service_deadlines", code, "number", REQUIRED if code == "other" else None,
                        "办结时限（小时）；未列出时用 other 的 / hours to resolve; when not given, other's")
                      for code in ORDER_CATEGORY.codes)
    ranking = tuple(k("ranking", name, "number", 0, "该指标的相对权重（不能全为 0）/ the indicator's relative weight "
                      "(not all zero)") for name in RANKING_INDICATORS)
    return (
        k("program", "launch", "date", REQUIRED, "项目启动日 / the program's launch"),
        k("program", "report_date", "date", REQUIRED, "报道日（文章快照）/ the article's snapshot date"),
        k("query", "cache_ttl_seconds", "int", 600, "查询结果缓存秒数 / query-result cache lifetime, seconds"),
        k("query", "cache_max_entries", "int", 512, "查询结果缓存条数 / query results kept"),
        k("query", "memory_limit", "str", "2GB", "应用进程中 DuckDB 的内存上限 / DuckDB's memory limit in the app"),
        k("query", "threads", "int", 2, "DuckDB 线程数 / DuckDB threads"),
        k("query", "pool_threads", "int", 4, "各会话并行查询共用的线程数 / threads shared by every session's "
          "side-by-side queries"),
        k("query", "pages_at_once", "int", 4, "一个看板进程中同时计算的页面数，其余会话排队 / pages computing at once "
          "in a server process; the other sessions wait their turn"),
        k("query", "time_limit_seconds", "number", 30, "页面每条查询语句的时限（秒），超时由 DuckDB 中断 / the pages' "
          "time limit per statement, seconds (DuckDB interrupts it)"),
        *deadlines,
        k("map", "tile_url", "str", "", "内网瓦片地址（{z}/{x}/{y}），空为无底图 / intranet map tiles, \"\" for none"),
        k("map", "tile_attribution", "str", "", "底图署名 / the tiles' attribution"),
        k("map", "aggregate_above", "int", 2000, "范围内小区超过此数时按社区汇总 / above this many compounds in "
          "scope the map draws one point per community"),
        k("cooperative_rules", "min_members", "int", 7, "物业社最少成员数 / fewest members of a cooperative"),
        k("cooperative_rules", "max_members", "int", 9, "物业社最多成员数 / most members of a cooperative"),
        k("cooperative_rules", "chairs", "int", 1, "社长人数 / chairs"),
        k("cooperative_rules", "vice_chairs", "int", 2, "副社长人数 / vice chairs"),
        k("cooperative_rules", "party_share_above", "number", 0.5, "党员占比须超过 / party members' share must "
          "exceed"),
        k("console", "time_limit_seconds", "number", 5, "SQL 查询页每条语句的时限（秒）/ the console's time "
          "limit per statement, seconds"),
        k("console", "row_cap", "int", 10000, "SQL 查询页返回行数上限 / rows the console returns at most"),
        k("console", "memory_limit", "str", "1GB", "SQL 查询页的 DuckDB 内存上限 / the console's DuckDB memory "
          "limit"),
        k("console", "workers", "int", 2, "同时运行的查询数（各在独立进程中）/ console statements at once, each "
          "in a worker process"),
        k("explorer", "row_limit", "int", 10000, "不分组时显示的明细行数上限 / raw rows shown when nothing is "
          "grouped"),
        k("explorer", "cache_entries", "int", 32, "数据查询页的结果缓存条数 / the explorer's cached results"),
        k("carousel", "seconds", "int", 30, "放映轮播默认每页秒数 / default seconds per slide"),
        k("carousel", "min_seconds", "int", 5, "轮播每页最少秒数 / fewest seconds per slide"),
        k("carousel", "max_seconds", "int", 600, "轮播每页最多秒数 / most seconds per slide"),
        k("auth", "mode", "str", "accounts", "登录方式（COOP_AUTH 优先）/ how users sign in ($COOP_AUTH wins)",
          AUTH_MODES),
        k("auth", "demo_mode", "str", "none", "自带演示数据的登录方式 / the bundled demo's mode", AUTH_MODES),
        k("auth", "idle_hours", "number", 8, "闲置多久后需重新登录（小时）/ idle hours before signing in again"),
        k("auth", "max_failures", "int", 5, "锁定账号的失败次数 / failed sign-ins that lock an account"),
        k("auth", "failure_window_minutes", "number", 15, "计算失败次数的时段（分钟）/ the window of those "
          "failures, minutes"),
        k("auth", "lock_minutes", "number", 15, "锁定分钟数 / minutes an account stays locked"),
        k("auth", "proxy_header", "str", "X-Remote-User", "proxy 模式下的用户名请求头 / the SSO proxy's user "
          "header"),
        k("auth", "proxy_secret_header", "str", "X-Coop-Proxy-Secret", "证明请求来自我们代理的请求头，空为关闭 / "
          "the header proving our proxy sent a request, \"\" for none"),
        k("auth", "proxy_trusted_addresses", "strings", [], "无需密钥即可信的客户端地址 / client addresses "
          "believed without the secret"),
        k("auth", "session_max_days", "number", 7, "登录满此天数后需重新登录 / absolute session lifetime, days"),
        k("auth", "site_origins", "strings", [], "websocket 另可接受的来源 / other origins the websocket accepts"),
        k("auth", "cookie_name", "str", "coop_session", "登录 cookie 的名字 / the session cookie's name"),
        k("retention", "keep_versions", "int", 6, "保留最近的数据集版本数 / newest dataset versions kept"),
        k("retention", "keep_days", "number", 90, "保留此天数内发布的版本 / versions younger than this kept, "
          "days"),
        k("audit", "timezone", "str", "", "审计页的时区（IANA 名称），空为服务器时区 / the audit page's zone, "
          "\"\" the server's"),
        k("upload", "max_file_mb", "number", 20, "单个上传文件（MB）/ per uploaded file, MB"),
        k("upload", "max_batch_mb", "number", 50, "一次上传合计（MB）/ per batch, MB"),
        k("upload", "max_files", "int", 50, "一次上传的文件数（含 zip 内）/ files per batch, zip members included"),
        k("upload", "max_uncompressed_mb", "number", 200, ".xlsx 或 .zip 解压后合计（MB）/ an .xlsx or .zip "
          "unpacked, MB"),
        k("upload", "max_ratio", "number", 100, "压缩比上限 / the highest compression ratio of a member"),
        k("upload", "max_sheets", "int", 50, "每个工作簿的工作表数 / sheets per workbook"),
        k("upload", "max_cells", "int", 2000000, "每个工作簿的单元格数 / cells per workbook"),
        k("upload", "job_memory_mb", "int", 8192, "审核与发布进程的地址空间（MB）/ a review or publish job's "
          "address space, MB"),
        *ranking,
        k("events", "date", "date", REQUIRED, "[[events]] 趋势图上标注的日期 / a date marked on the trends"),
        k("events", "zh", "str", REQUIRED, "[[events]] 中文说明 / its Chinese label"),
        k("events", "en", "str", REQUIRED, "[[events]] 英文说明 / its English label"),
    )


ARRAYS = ("events",)  # sections written as arrays of tables ([[events]])


@cache
def registry() -> dict[str, dict[str, Key]]:
    """section → key name → Key, in KEYS' order."""
    out: dict[str, dict[str, Key]] = {}
    for key in _keys():
        out.setdefault(key.section, {})[key.name] = key
    return out


def check(raw: dict, file: str) -> dict:
    """The file's values (`raw`, as tomllib reads it) with every default filled in, or a SettingsError
    listing every unknown key, wrong type and missing required key, each by its [section] and name."""
    zh, en, out = [], [], {}

    def wrong(where: str, z: str, e: str) -> None:
        zh.append(f"{where}：{z}")
        en.append(f"{where}: {e}")

    def table(section: str, body, where: str) -> dict:
        keys, got = registry()[section], {}
        if not isinstance(body, dict):
            wrong(where, "应为一节设置", "must be a table of settings")
            return {}
        for name, value in body.items():
            key = keys.get(name)
            if key is None:
                wrong(f"{where} {name}", f"不是已知的设置；可用：{'、'.join(keys)}",
                      f"not a known setting; allowed: {', '.join(keys)}")
                continue
            z, e, ok = KINDS[key.kind]
            if not ok(value) or (key.choices and value not in key.choices):
                allowed = f"{z}" + (f"，取 {' / '.join(key.choices)} 之一" if key.choices else "")
                allowed_en = f"{e}" + (f", one of {' / '.join(key.choices)}" if key.choices else "")
                wrong(f"{where} {name} = {value!r}", f"应为{allowed}", f"must be {allowed_en}")
                continue
            got[name] = value
        for name, key in keys.items():
            if name not in got and name not in body:
                if key.default is REQUIRED:
                    wrong(f"{where} {name}", "缺少此必填设置", "this setting is required")
                else:
                    got[name] = list(key.default) if isinstance(key.default, list) else key.default
        return got

    for section, body in raw.items():
        if section not in registry():
            wrong(f"[{section}]", f"不是已知的设置节；可用：{'、'.join(registry())}",
                  f"not a known section; allowed: {', '.join(registry())}")
        elif section in ARRAYS:
            if not isinstance(body, list):
                wrong(f"[{section}]", f"应写作 [[{section}]]", f"must be written [[{section}]]")
                continue
            out[section] = [table(section, entry, f"[[{section}]] #{i}") for i, entry in enumerate(body, 1)]
    for section in registry():
        if section not in ARRAYS:
            out[section] = table(section, raw.get(section, {}), f"[{section}]")
        else:
            out.setdefault(section, [])
    if zh:
        raise SettingsError(f"{file} 的设置有误：\n" + "\n".join(zh), f"{file} has invalid settings:\n" + "\n".join(en))
    return out


@cache
def values() -> dict:
    """config/dashboard.toml, checked, with defaults: section → key → value ([[events]]: a list of them)."""
    try:
        raw = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{CONFIG_FILE} 不是有效的 TOML：{exc}", f"{CONFIG_FILE} is not valid TOML: {exc}") from exc
    return check(raw, str(CONFIG_FILE))


def markdown() -> str:
    """docs/settings.md: every key of config/dashboard.toml, its type, default and help."""
    lines = ["# 设置 / Settings (`config/dashboard.toml`)", "",
             "由 `coopdash/data/settings.py` 的 KEYS 生成：`python -m coopdash.data.settings > docs/settings.md`。"
             "文件中出现未知的键、类型不对或缺少必填项时，应用拒绝启动并指出文件、键和允许的值；未写的键取默认值。",
             "Written from KEYS in `coopdash/data/settings.py`. An unknown key, a wrong type or a missing required "
             "key stops the start with a message naming the file, the key and what is allowed; a key left out "
             "takes its default.", ""]
    for section, keys in registry().items():
        lines += [f"## [[{section}]]" if section in ARRAYS else f"## [{section}]", "",
                  "| key | type | default | 说明 / meaning |", "|---|---|---|---|"]
        for key in keys.values():
            default = ("必填 / required" if key.default is REQUIRED else "—" if key.default is None
                       else f"`{tomllib_repr(key.default)}`")
            kind = key.kind + (f" ({' / '.join(key.choices)})" if key.choices else "")
            lines.append(f"| `{key.name}` | {kind} | {default} | {key.help} |")
        lines.append("")
    return "\n".join(lines)


def tomllib_repr(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(tomllib_repr(v) for v in value) + "]"
    return str(value)


def data_dir() -> Path:
    """The dataset folder: $COOP_DATA_DIR, else the bundled demo (relative paths from the repo root)."""
    value = os.environ.get("COOP_DATA_DIR")
    if not value:
        return DEFAULT_DATA_DIR
    path = Path(value)
    # absolute, but symlinks kept: an ingested dataset is a symlink swapped to each new version
    return Path(os.path.abspath(path if path.is_absolute() else ROOT / path))


def state_dir() -> Path:
    """The state folder (accounts, audit trail, the cookie-signing key): $COOP_STATE_DIR, else `state/`
    at the repo root. Several server processes may share it."""
    value = os.environ.get("COOP_STATE_DIR")
    path = Path(value) if value else DEFAULT_STATE_DIR
    return Path(os.path.abspath(path if path.is_absolute() else ROOT / path))


def auth_mode() -> str:
    """How users sign in: $COOP_AUTH, else the bundled demo's [auth] demo_mode on the demo dataset, else
    [auth] mode. Read on every call (tests and the command line switch it)."""
    value = os.environ.get("COOP_AUTH", "").strip()
    if value:
        if value not in AUTH_MODES:
            raise ValueError(f"COOP_AUTH={value!r}: not one of {AUTH_MODES} / 登录模式无效")
        return value
    cfg = settings()
    return cfg.auth_demo_mode if data_dir() == DEFAULT_DATA_DIR else cfg.auth_mode


if __name__ == "__main__":
    print(markdown())
