"""python -m coopdash.briefing --month 2023-11 --out DIR [--street CODE …] [--lang zh|en] [--format docx pdf]

Writes the district's briefing for the month and one per street office, each scoped to that street as a
`street` account sees it (no district ranking). Without --street, every street office of the dataset.
Files are written whole or not at all (a temporary file renamed), so a scheduled job never leaves half
a file. Exit status 2 on bad arguments, with the reason in Chinese and English."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from coopdash import briefing
from coopdash.auth.roles import scope_of
from coopdash.briefing import content, fonts, render
from coopdash.data import db, hours
from coopdash.data.errors import CoopError
from coopdash.data.filters import Filters
from coopdash.data.scope import EVERYTHING
from coopdash.data.settings import data_dir
from coopdash.i18n import labels
from coopdash.i18n.labels import t

DISTRICT_CODE = "220203"


def month_window(text: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise SystemExit(f"--month {text!r}：应为 年-月，如 2023-11 / must be YYYY-MM, e.g. 2023-11") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coopdash.briefing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--out", required=True, type=Path, help="folder for the files")
    parser.add_argument("--street", nargs="*", default=None, metavar="CODE", help="street office codes (default: all)")
    parser.add_argument("--lang", choices=labels.LANGUAGES, default="zh")
    parser.add_argument("--format", nargs="+", choices=("docx", "pdf"), default=["docx", "pdf"])
    parser.add_argument("--data", type=Path, default=None, help="dataset folder (default: COOP_DATA_DIR or the demo)")
    args = parser.parse_args(argv)
    with labels.speaking(args.lang):
        return _run(args)


def _run(args) -> int:
    start, end = month_window(args.month)
    folder = (args.data or data_dir()).resolve()
    con = db.open_dataset(folder)
    index = hours.load(folder, con)
    start_end = {"start": start, "end": end, "streets": [], "communities": []}
    names = db.execute(con, "by_street", start_end)  # the street offices with compounds
    known = dict(zip(names["street_code"], names["street_name"]))
    wanted = list(known) if args.street is None else args.street
    unknown = [code for code in wanted if code not in known]
    if unknown:
        print(f"没有这些街道代码：{', '.join(unknown)} / unknown street codes: {', '.join(unknown)}; "
              f"known: {', '.join(known)}", file=sys.stderr)
        return 2
    if "pdf" in args.format:
        try:
            fonts.find("regular")
        except fonts.NoFont as exc:
            print(f"{exc.zh} / {exc.en}", file=sys.stderr)
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    last_day = db.execute(con, "data_bounds", {}).iloc[0]["last_day"]
    asof = min(last_day, end) if last_day is not None else None
    jobs = [(EVERYTHING, DISTRICT_CODE, t("brief.scope_all"))]
    jobs += [(scope_of("street", (code,)), code, known[code]) for code in wanted]
    f = Filters(start, end)
    for scope, code, name in jobs:
        began = time.perf_counter()
        source = content.DatasetSource(con, index, scope)
        doc = briefing.make(source, f, name, asof=asof)
        written = []
        for kind in args.format:
            path = args.out / f"briefing-{args.month}-{code}-{name}.{kind}"
            _write(path, render.to_docx(doc) if kind == "docx" else render.to_pdf(doc))
            written.append(path.name)
        print(f"{', '.join(written)}  ({time.perf_counter() - began:.2f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CoopError as exc:
        print(f"{exc.zh} / {exc.en}", file=sys.stderr)
        sys.exit(1)
