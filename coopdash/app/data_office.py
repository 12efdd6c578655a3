"""The data office in the browser (数据管理, administrators): upload → review → publish, and switching
between versions. The same code path as `python -m ingest` (ingest/batch.py), behind the upload checks
of ingest/uploads.py. Every step goes into the audit trail.

A review is made once per upload (kept in the session with its staged files), not on every rerun.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from coopdash.app import session, ui
from coopdash.data.contract import TABLES_BY_NAME
from coopdash.data.errors import CoopError, ReadError, Refused
from coopdash.data.settings import DEFAULT_DATA_DIR, data_dir
from coopdash.i18n import fmt
from coopdash.i18n.labels import t
from ingest import batch, preview, store, uploads

K_SIG, K_RESULT, K_DONE = "office_sig", "office_result", "office_done"


def _say_error(key: str, exc: CoopError) -> None:
    st.error(f"{t(key)} {exc.zh}")
    st.caption(exc.en)


def _require_admin() -> None:
    """Every step is the data administrator's, whichever page or link asked for it."""
    if not session.may("data_admin"):
        r = session.role()
        raise Refused(f"本账号（{r.zh}）不能管理数据", f"your role ({r.en}) may not manage the data")


def _prepare(files) -> dict:
    """Check, stage and review an upload; the before → after figures. A refusal changes nothing."""
    _require_admin()
    names = [f.name for f in files]
    try:
        accepted = uploads.accept([(f.name, f.getvalue()) for f in files])
    except ReadError as exc:
        session.audit("upload_refused", {"files": names, "reason": exc.en})
        return {"refused": exc}
    folder, paths = uploads.stage(accepted)
    session.audit("upload", {"files": [n for n, _ in accepted], "batch": folder.name,
                             "bytes": sum(len(d) for _, d in accepted)})
    dataset = data_dir()
    r = batch.review(paths, dataset, batch.today(), names=[n for n, _ in accepted])
    streets, impact = ([], None)
    if r.ok:
        streets, impact = preview.before_after(r, dataset, folder / "preview")
    session.audit("review", {"batch": folder.name, "base": r.base, "errors": len(r.errors),
                             "warnings": sum(p.severity == "warning" for p in r.problems),
                             "tables": {n: [r.merge.added[n], r.merge.updated[n], r.merge.unchanged[n]]
                                        for n in (r.merge.tables if r.merge else {})}})
    return {"review": r, "batch": folder, "streets": streets, "impact": impact}


def _publish() -> None:
    result = st.session_state.get(K_RESULT) or {}
    r = result.get("review")
    try:
        _require_admin()
        version = batch.publish(r, data_dir(), by=session.identity()[0],
                                sources=[str(p) for p in r.files])
    except CoopError as exc:
        session.audit("publish_refused", {"batch": result["batch"].name, "reason": exc.en})
        st.session_state[K_DONE] = ("error", "office.publish_refused", exc)
        return
    session.audit("publish", {"batch": result["batch"].name, "version": version.name, "based_on": r.base,
                              "files": r.names})
    st.session_state[K_DONE] = ("success", "office.published", version.name)
    st.session_state.pop(K_RESULT, None)
    st.session_state[K_SIG] = "published"  # the same upload is not reviewed again


def _switch(name: str) -> None:
    dataset = data_dir()
    before = batch.version_of(dataset)
    try:
        _require_admin()
        with store.locked(dataset):
            store.switch_to(dataset, name, by=session.identity()[0])
    except CoopError as exc:
        st.session_state[K_DONE] = ("error", "office.publish_refused", exc)
        return
    session.audit("rollback", {"from": before, "to": name})
    st.session_state[K_DONE] = ("success", "office.rolled_back", name)


def _problems_table(r: batch.Review) -> None:
    problems = r.sorted_problems()
    if not problems:
        return
    kinds = [k for k in ("error", "warning", "info") if any(p.severity == k for p in problems)]
    shown = st.pills(t("office.severity"), kinds, selection_mode="multi", default=kinds, key="office_severity",
                     format_func=lambda k: t(f"severity.{k}"))
    frame = pd.DataFrame([{"severity": t(f"severity.{p.severity}"), "file": p.file, "sheet": p.sheet,
                           "row": "" if p.row is None else str(p.row), "column": p.column, "value": p.value,
                           "zh": p.zh, "en": p.en} for p in problems if p.severity in (shown or kinds)])
    ui.table(frame, {"severity": (t("col.severity"), "text"), "file": (t("col.file"), "text"),
                     "sheet": (t("col.sheet"), "text"), "row": (t("col.row"), "text"),
                     "column": (t("col.column_name"), "text"), "value": (t("col.value"), "text"),
                     "zh": (t("col.problem_zh"), "text"), "en": (t("col.problem_en"), "text")}, key="review_report")


def upload_section() -> None:
    ss = st.session_state
    st.subheader(t("office.heading"))
    st.caption(t("office.intro"))
    lim = uploads.limits()
    types = ["xlsx", "csv", "zip"]
    ui.uploader_texts(types, lim.max_file // uploads.MB)
    files = st.file_uploader(t("office.upload"), type=types, accept_multiple_files=True,
                             key="office_files", help=t("office.limits", file=lim.max_file // uploads.MB,
                                                        batch=lim.max_batch // uploads.MB, files=lim.max_files))
    if done := ss.pop(K_DONE, None):
        kind, key, detail = done
        if kind == "error":
            _say_error(key, detail)
        else:
            st.success(t(key, version=detail))
    if not files:
        ss.pop(K_RESULT, None)
        ss.pop(K_SIG, None)
        return
    sig = tuple((f.name, f.size, f.file_id) for f in files)
    if ss.get(K_SIG) == "published":
        return
    if ss.get(K_SIG) != sig:
        ss[K_SIG], ss[K_RESULT] = sig, _prepare(files)
    result = ss[K_RESULT]
    if "refused" in result:
        _say_error("office.refused", result["refused"])
        return
    r: batch.Review = result["review"]
    count = {k: sum(p.severity == k for p in r.problems) for k in ("error", "warning", "info")}
    (st.error if count["error"] else st.info)(t("office.summary", errors=count["error"], warnings=count["warning"],
                                                notes=count["info"], files=len(r.files)))
    _problems_table(r)
    if r.ok and r.merge.tables:
        st.markdown(f"**{t('office.changes')}**")
        rows = pd.DataFrame([{"table": f"{TABLES_BY_NAME[n].label}（{n}）", "added": r.merge.added[n], "updated": r.merge.updated[n],
                              "unchanged": r.merge.unchanged[n]} for n in r.merge.tables])
        ui.table(rows, {"table": (t("col.table"), "text"), "added": (t("col.added"), "int"),
                        "updated": (t("col.updated"), "int"), "unchanged": (t("col.unchanged"), "int")},
                 key="review_changes", download=False)
    if result["impact"] is not None:
        names = st.session_state.get("flt_names", {})
        st.markdown(f"**{t('office.impact', streets='、'.join(names.get(s, s) for s in result['streets']) or '—')}**")
        impact = result["impact"].copy()
        impact["figure"] = [f"{zh}（{unit}）" if st.session_state.get("lang") != "en" else en
                            for zh, en, unit in zip(impact["zh"], impact["en"], impact["unit"])]
        for column in ("before", "after"):
            impact[column + "_text"] = [fmt.number(v) for v in impact[column]]
        impact["change_text"] = [("+" if v > 0 else "") + fmt.number(v) if v else "—" for v in impact["change"]]
        ui.table(impact, {"figure": (t("col.figure"), "text"), "before_text": (t("col.before"), "text"),
                          "after_text": (t("col.after"), "text"), "change_text": (t("col.change"), "text")},
                 key="review_impact", download=False)
    reason = (t("office.publish_errors", n=count["error"]) if not r.ok
              else t("office.publish_demo") if Path(data_dir()) == DEFAULT_DATA_DIR else None)
    st.button(t("office.publish"), type="primary", key="office_publish", disabled=reason is not None,
              help=reason, on_click=_publish)
    if reason:
        st.caption(reason)


def versions_section() -> None:
    dataset = data_dir()
    listed = store.version_list(dataset)
    if not listed:
        return
    st.subheader(t("office.versions"))
    frame = pd.DataFrame([{"version": v["version"] + (f"（{t('office.current')}）" if v["current"] else ""),
                           "at": v["ingested_at"].replace("T", " "), "by": v["published_by"] or "—",
                           "sources": "、".join(v["sources"]) or v["note"] or "—",
                           "changes": "；".join(f"{n} +{fmt.number(a)} ~{fmt.number(u)}"
                                               for n, (a, u) in v["changes"].items()) or "—"} for v in listed])
    ui.table(frame, {"version": (t("col.version"), "text"), "at": (t("col.published_at"), "text"),
                     "by": (t("col.published_by"), "text"), "sources": (t("col.sources"), "text"),
                     "changes": (t("col.version_changes"), "text")}, key="admin_versions")
    others = [v["version"] for v in listed if not v["current"]]
    if not others:
        return
    left, right = st.columns([2, 1])
    target = left.selectbox(t("office.rollback_to"), others, key="office_target")
    confirm = left.checkbox(t("office.rollback_confirm"), key="office_confirm")
    right.button(t("office.rollback"), key="office_switch", disabled=not confirm, on_click=_switch, args=(target,))
