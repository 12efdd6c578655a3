"""Reads config/dashboard.toml once: program dates and query-layer limits."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from coopdash import ROOT

CONFIG_FILE = ROOT / "config" / "dashboard.toml"
DEFAULT_DATA_DIR = ROOT / "data" / "demo"


@dataclass(frozen=True)
class Settings:
    launch: dt.date
    report_date: dt.date
    cache_ttl_seconds: int
    cache_max_entries: int
    memory_limit: str
    threads: int
    raw: dict


@cache
def settings() -> Settings:
    raw = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    program, query = raw["program"], raw["query"]
    return Settings(
        launch=program["launch"],
        report_date=program["report_date"],
        cache_ttl_seconds=int(query["cache_ttl_seconds"]),
        cache_max_entries=int(query["cache_max_entries"]),
        memory_limit=str(query["memory_limit"]),
        threads=int(query["threads"]),
        raw=raw,
    )


def data_dir() -> Path:
    """The dataset folder: $COOP_DATA_DIR, else the bundled demo (relative paths from the repo root)."""
    value = os.environ.get("COOP_DATA_DIR")
    if not value:
        return DEFAULT_DATA_DIR
    path = Path(value)
    return (path if path.is_absolute() else ROOT / path).resolve()
