"""The data office in the browser (数据管理, administrators): upload → review → publish, and switching
between versions. The same code path as `python -m ingest` (ingest/batch.py), behind the upload checks
of ingest/uploads.py. Every step goes into the audit trail.

The review and the publish run in a job process of their own (ingest/job.py), with its own memory limit:
the merge of a city-scale batch never grows the process that serves every leader; the page shows the job's
phase while it works, and while any clerk publishes, every data office page says so and offers no publish.
A review is made once per upload (its summary kept in the session with the staged files), not on every rerun.
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
from ingest import batch, job, store, uploads

K_SIG, K_RESULT, K_DONE, K_PUBLISH = "office_sig", "office_result", "office_done", "office_publish_now"


def _say_error(key: str, exc: CoopError) -> None:
    st.error(f"{t(key)} {fmt.md(exc.zh)}")
    st.caption(fmt.md(exc.en))


def _require_admin() -> None:
    """Every step is the data administrator's, whichever page or link asked for it."""
    if not session.may("data_admin"):
        r = session.role()
        raise Refused(f"本账号（{r.zh}）不能管理数据", f"your role ({r.en}) may not manage the data")


def _run_job(kind: str, result: dict, **extra) -> dict:
    """Run a review or publish job for the staged batch, showing its phase; its answer."""
    folder, paths = result["batch"], result["paths"]
    with st.status(t(f"office.job_{kind}"), expanded=False) as box:
        proc = job.start(kind, folder, data_dir(), paths, result["names"], uploads.limits().job_memory_mb, **extra)
        answer = job.wait(proc, kind, folder, on_status=lambda s: box.update(label=fmt.md(s["zh"] if st.session_state.get(
            "lang") != "en" else s["en"]) + " …"))
        box.update(label=t(f"office.job_{kind}_done"), state="error" if "refused" in answer else "complete")
    return answer


def _prepare(files) -> dict:
    """Check, stage and review an upload (in a job process); the before → after figures. A refusal changes
    nothing."""
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
    result = {"batch": folder, "paths": paths, "names": [n for n, _ in accepted]}
    answer = _run_job("review", result)
    if "refused" in answer:
        session.audit("review", {"batch": folder.name, "refused": answer["refused"]["en"]})
        return {"refused": Refused(answer["refused"]["zh"], answer["refused"]["en"])}
    r = job.Summary.from_json(answer["review"])
    session.audit("review", {"batch": folder.name, "base": r.base, "errors": len(r.errors),
                             "warnings": sum(p.severity == "warning" for p in r.problems), "tables": r.tables})
    return {**result, "review": r, "streets": r.streets,
            "impact": pd.DataFrame(r.impact) if r.impact is not None else None}


def _publish() -> None:
    """The button: the publish itself runs in the script body, where its progress can be shown."""
    st.session_state[K_PUBLISH] = True


def _publish_now() -> None:
    result = st.session_state.get(K_RESULT) or {}
    r: job.Summary = result.get("review")
    try:
        _require_admin()
        busy = job.publishing(data_dir())
        if busy is not None:
            raise Refused(f"{busy['by'] or '另一位管理员'} 正在发布（{busy['at']} 开始），请稍后重新审核",
                          f"{busy['by'] or 'another administrator'} is publishing (since {busy['at']}): review again later")
        answer = _run_job("publish", result, base=r.base, by=session.identity()[0])
        if "refused" in answer:
            raise Refused(answer["refused"]["zh"], answer["refused"]["en"])
        if answer["version"] is None:
            raise Refused(*batch.NO_CHANGE)
    except CoopError as exc:
        session.audit("publish_refused", {"batch": result["batch"].name, "reason": exc.en})
        st.session_state[K_DONE] = ("error", "office.publish_refused", exc)
        return
    session.audit("publish", {"batch": result["batch"].name, "version": answer["version"], "based_on": r.base,
                              "files": r.names})
    st.session_state[K_DONE] = ("success", "office.published", answer["version"])
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


_PROBLEM_COLUMNS = {"severity": ("col.severity", "text"), "file": ("col.file", "text"), "sheet": ("col.sheet", "text"),
                    "row": ("col.row", "text"), "column": ("col.column_name", "text"), "value": ("col.value", "text"),
                    "zh": ("col.problem_zh", "text"), "en": ("col.problem_en", "text")}


def _problem_frame(problems) -> pd.DataFrame:
    return pd.DataFrame([{"severity": t(f"severity.{p.severity}"), "file": p.file, "sheet": p.sheet,
                          "row": "" if p.row is None else str(p.row), "column": p.column, "value": p.value,
                          "zh": p.zh, "en": p.en} for p in problems], columns=list(_PROBLEM_COLUMNS))


def _problems_table(r: job.Summary) -> None:
    """Errors and warnings (what to correct) in one table, and apart from them the notes: what was recognised
    (the table, a title, a two-line header) and skipped (instructions, totals, the footer)."""
    problems = r.sorted_problems()
    columns = {k: (t(label), kind) for k, (label, kind) in _PROBLEM_COLUMNS.items()}
    to_fix = [p for p in problems if p.severity != "info"]
    if to_fix:
        st.markdown(f"**{t('office.to_fix')}**")
        kinds = [k for k in ("error", "warning") if any(p.severity == k for p in to_fix)]
        shown = st.pills(t("office.severity"), kinds, selection_mode="multi", default=kinds, key="office_severity",
                         format_func=lambda k: t(f"severity.{k}"))
        ui.table(_problem_frame([p for p in to_fix if p.severity in (shown or kinds)]), columns, key="review_report")
    notes = [p for p in problems if p.severity == "info"]
    if notes:
        with st.expander(t("office.notes", n=len(notes)), expanded=not to_fix):
            ui.table(_problem_frame(notes), {k: columns[k] for k in ("file", "sheet", "row", "zh", "en")},
                     key="review_notes", download=False)


def upload_section() -> None:
    ss = st.session_state
    st.subheader(t("office.heading"))
    st.caption(t("office.intro"))
    lim = uploads.limits()
    types = ["xlsx", "xls", "csv", "zip"]
    ui.uploader_texts(types, lim.max_file // uploads.MB)
    # every type is let through to ingest/uploads.py, which refuses what it cannot read with a message that says
    # what to do (Streamlit's own refusal is English and gives no advice); `types` only names what is read
    files = st.file_uploader(t("office.upload"), type=None, accept_multiple_files=True,
                             key="office_files", help=t("office.limits", file=lim.max_file // uploads.MB,
                                                        batch=lim.max_batch // uploads.MB, files=lim.max_files))
    if ss.pop(K_PUBLISH, False) and ss.get(K_RESULT, {}).get("review") is not None:
        _publish_now()
        st.rerun()
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
    r: job.Summary = result["review"]
    count = {k: sum(p.severity == k for p in r.problems) for k in ("error", "warning", "info")}
    (st.error if count["error"] else st.info)(t("office.summary", errors=count["error"], warnings=count["warning"],
                                                notes=count["info"], files=len(r.files)))
    _problems_table(r)
    if r.ok and r.tables:
        st.markdown(f"**{t('office.changes')}**")
        rows = pd.DataFrame([{"table": f"{TABLES_BY_NAME[n].label}（{n}）", "added": added, "updated": updated,
                              "unchanged": unchanged} for n, (added, updated, unchanged) in r.tables.items()])
        ui.table(rows, {"table": (t("col.table"), "text"), "added": (t("col.added"), "int"),
                        "updated": (t("col.updated"), "int"), "unchanged": (t("col.unchanged"), "int")},
                 key="review_changes", download=False)
    if result["impact"] is not None:
        names = st.session_state.get("flt_names", {})
        st.markdown(f"**{t('office.impact', streets=fmt.md('、'.join(names.get(s, s) for s in result['streets']) or '—'))}**")
        impact = result["impact"].copy()
        impact["figure"] = [f"{t(label)}（{t(unit)}）" if st.session_state.get("lang") != "en" else t(label)
                            for label, unit in zip(impact["label"], impact["unit"])]
        for column in ("before", "after"):
            impact[column + "_text"] = [fmt.number(v) for v in impact[column]]
        impact["change_text"] = [("+" if v > 0 else "") + fmt.number(v) if v else "—" for v in impact["change"]]
        ui.table(impact, {"figure": (t("col.figure"), "text"), "before_text": (t("col.before"), "text"),
                          "after_text": (t("col.after"), "text"), "change_text": (t("col.change"), "text")},
                 key="review_impact", download=False)
    busy = job.publishing(data_dir())
    if busy is not None:
        st.warning(t("office.publishing", by=fmt.md(busy["by"] or "—"), at=busy["at"]))
    reason = (t("office.publish_errors", n=count["error"]) if not r.ok
              else t("office.no_change") if not r.changes
              else t("office.publish_demo") if Path(data_dir()) == DEFAULT_DATA_DIR
              else t("office.publishing", by=fmt.md(busy["by"] or "—"), at=busy["at"]) if busy is not None else None)
    st.button(t("office.publish"), type="primary", key="office_publish", disabled=reason is not None,
              help=fmt.md(reason) if reason else None, on_click=_publish)
    if reason:
        st.caption(fmt.md(reason))


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
