"""Dataset facts for the 数据管理 page: the version and its ingest report, and the templates as a zip."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pandas as pd

from coopdash import ROOT

TEMPLATES_DIR = ROOT / "data" / "templates"
META = "_ingest"  # written by the ingest command inside each dataset version


def dataset_info(folder: Path) -> dict:
    """{'version', 'ingested_at', 'sources', 'tables', 'warnings', 'dropped_personal_columns', 'path'};
    version is None for a dataset that was never ingested (e.g. the bundled demo)."""
    info = {"version": None, "ingested_at": None, "sources": [], "tables": {}, "warnings": 0,
            "dropped_personal_columns": [], "path": os.path.realpath(folder)}
    summary = Path(folder) / META / "summary.json"
    if summary.is_file():
        info.update(json.loads(summary.read_text(encoding="utf-8")))
        info["version"] = info.get("version") or Path(os.path.realpath(folder)).name
    return info


def last_report(folder: Path) -> pd.DataFrame | None:
    """The problems the last ingest reported (warnings and notes; errors never make a version)."""
    path = Path(folder) / META / "report.csv"
    if not path.is_file():
        return None
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def templates_zip() -> bytes:
    """Every ledger template (.xlsx) and the ingest guide, zipped."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(TEMPLATES_DIR.glob("*.xlsx")):
            z.write(path, f"台账模板/{path.name}")
        z.write(ROOT / "docs" / "ingest.md", "台账模板/导入说明 ingest.md")
    return buf.getvalue()
