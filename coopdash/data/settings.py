"""Reads config/dashboard.toml once: program dates, query-layer limits and the other configured values."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from coopdash import ROOT
from coopdash.data.contract import ORDER_CATEGORY

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
    raw = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    program, query = raw["program"], raw["query"]
    configured = raw.get("service_deadlines", {})
    unknown = set(configured) - set(ORDER_CATEGORY.codes)
    if unknown or "other" not in configured:
        raise ValueError(f"{CONFIG_FILE} [service_deadlines]: unknown categories {sorted(unknown)} "
                         "or no `other` / 类别未知或缺少 other")
    deadlines = {c: float(configured.get(c, configured["other"])) for c in ORDER_CATEGORY.codes}
    map_cfg, explorer, carousel, auth = raw.get("map", {}), raw["explorer"], raw["carousel"], raw["auth"]
    for key in ("mode", "demo_mode"):
        if auth[key] not in AUTH_MODES:
            raise ValueError(f"{CONFIG_FILE} [auth] {key} = {auth[key]!r}: not one of {AUTH_MODES} / 登录模式无效")
    return Settings(
        launch=program["launch"],
        report_date=program["report_date"],
        cache_ttl_seconds=int(query["cache_ttl_seconds"]),
        cache_max_entries=int(query["cache_max_entries"]),
        memory_limit=str(query["memory_limit"]),
        threads=int(query["threads"]),
        query_pool_threads=int(query["pool_threads"]),
        query_time_limit=float(query.get("time_limit_seconds", 30)),
        deadlines=deadlines,
        tile_url=str(map_cfg.get("tile_url", "")),
        tile_attribution=str(map_cfg.get("tile_attribution", "")),
        map_aggregate_above=int(map_cfg.get("aggregate_above", 2000)),
        cooperative_rules=dict(raw["cooperative_rules"]),
        console_time_limit=float(raw["console"]["time_limit_seconds"]),
        console_row_cap=int(raw["console"]["row_cap"]),
        console_memory_limit=str(raw["console"]["memory_limit"]),
        console_workers=int(raw["console"].get("workers", 2)),
        explorer_row_limit=int(explorer["row_limit"]),
        explorer_cache_entries=int(explorer["cache_entries"]),
        audit_timezone=str(raw.get("audit", {}).get("timezone", "")),
        carousel_seconds=int(carousel["seconds"]),
        carousel_min_seconds=int(carousel["min_seconds"]),
        carousel_max_seconds=int(carousel["max_seconds"]),
        auth_mode=str(auth["mode"]),
        auth_demo_mode=str(auth["demo_mode"]),
        idle_seconds=round(float(auth["idle_hours"]) * 3600),
        max_failures=int(auth["max_failures"]),
        failure_window_seconds=round(float(auth["failure_window_minutes"]) * 60),
        lock_seconds=round(float(auth["lock_minutes"]) * 60),
        proxy_header=str(auth["proxy_header"]),
        proxy_secret_header=str(auth.get("proxy_secret_header", "X-Coop-Proxy-Secret")),
        proxy_trusted=tuple(str(a) for a in auth.get("proxy_trusted_addresses", [])),
        site_origins=tuple(str(o).rstrip("/") for o in auth.get("site_origins", [])),
        session_max_seconds=round(float(auth.get("session_max_days", 7)) * 86400),
        cookie_name=str(auth["cookie_name"]),
        keep_versions=int(raw.get("retention", {}).get("keep_versions", 6)),
        keep_days=float(raw.get("retention", {}).get("keep_days", 90)),
        events=tuple((e["date"], str(e["zh"]), str(e["en"])) for e in raw.get("events", [])),
        ranking_weights=_weights(raw.get("ranking", {})),
    )


RANKING_INDICATORS = ("resolution_rate", "within_deadline_share", "mean_rating", "orders_per_1000", "overdue")


def _weights(configured: dict) -> dict[str, float]:
    """[ranking]'s weights: every indicator, none negative, not all zero."""
    unknown = set(configured) - set(RANKING_INDICATORS)
    weights = {k: float(configured.get(k, 0)) for k in RANKING_INDICATORS}
    if unknown or min(weights.values()) < 0 or not sum(weights.values()):
        raise ValueError(f"{CONFIG_FILE} [ranking]: unknown indicators {sorted(unknown)}, a negative weight or "
                         f"all zero; the indicators are {RANKING_INDICATORS} / 排名权重无效")
    return weights


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
