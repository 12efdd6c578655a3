"""SQL 查询 — analysts' own SELECT over the dataset, checked and limited (coopdash/workbench/console.py)."""

import datetime as dt

import pandas as pd
import streamlit as st

from coopdash.app import cache, session, ui
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import t
from coopdash.workbench import console

ss = st.session_state
cfg = settings()
ss.setdefault("sql_history", [])
ss.setdefault("sql_text", console.EXAMPLES[0][1])


def _use_example() -> None:
    title = ss.get("sql_example")
    ss["sql_text"] = dict(console.EXAMPLES).get(title, ss["sql_text"])


ui.header("page.console")
st.caption(t("console.intro") + " " + t("console.limits", seconds=fmt.number(cfg.console_time_limit),
                                         cap=fmt.number(cfg.console_row_cap), memory=cfg.console_memory_limit))
with st.expander(t("console.schema")):
    schema = pd.DataFrame(console.schema())
    ui.table(schema, {"table": (t("col.table_name"), "text"), "table_zh": (t("col.table_zh"), "text"),
                      "column": (t("col.column"), "text"), "type": (t("col.type"), "text"),
                      "zh": (t("col.label"), "text"), "values": (t("col.values"), "text")}, key="console_schema")
st.selectbox(t("console.examples"), options=[title for title, _ in console.EXAMPLES], index=None,
             placeholder=t("console.example_pick"), key="sql_example", on_change=_use_example)
st.text_area(t("console.sql"), key="sql_text", height=180)
if st.button(t("console.run"), type="primary", key="sql_run"):
    sql = ss["sql_text"]
    when = dt.datetime.now().strftime("%H:%M:%S")
    record: dict = {"sql": sql, "outcome": "error"}  # audited whatever happens (the finally below)
    try:
        result = console.run(cache.console_dataset(), sql, cfg.console_row_cap, cfg.console_time_limit)
    except console.Refused as exc:
        ss["sql_last"] = ("refused", exc.zh, exc.en)
        ss["sql_history"].insert(0, (when, sql, t("console.refused")))
        record.update(outcome="refused", reason=exc.en)
    except console.TimedOut as exc:
        ss["sql_last"] = ("timeout", str(exc), "")
        ss["sql_history"].insert(0, (when, sql, t("console.timeout")))
        record.update(outcome="timeout", killed=True)
    else:
        record.update(outcome="ok", rows=result.table.num_rows, truncated=result.truncated)
        ss["sql_last"] = ("ok", result, "")
        ss["sql_history"].insert(0, (when, sql, t("console.done", rows=fmt.number(result.table.num_rows),
                                                             seconds=fmt.number(result.seconds, 3))))
    finally:
        session.audit("console_query", record)

last = ss.get("sql_last")
if last and last[0] == "refused":
    st.error(f"{t('console.refused')}：{fmt.md(last[1])}")
    st.caption(fmt.md(last[2]))
elif last and last[0] == "timeout":
    st.error(f"{t('console.timeout')}：{fmt.md(last[1])}")
elif last:
    result = last[1]
    st.caption(t("console.done", rows=fmt.number(result.table.num_rows), seconds=fmt.number(result.seconds, 3)))
    if result.truncated:
        st.warning(t("console.truncated", cap=fmt.number(cfg.console_row_cap)))
    frame = result.table.to_pandas()
    if frame.empty:
        ui.empty()
    else:
        ui.table(frame, {c: (c, "text" if frame[c].dtype == object else "auto") for c in frame.columns},
                 key="console_result")

if ss["sql_history"]:
    with st.expander(t("console.history"), expanded=False):
        history = pd.DataFrame(ss["sql_history"], columns=["time", "sql", "outcome"])
        ui.table(history, {"time": (t("col.time"), "text"), "sql": (t("col.sql"), "text"),
                           "outcome": (t("col.outcome"), "text")}, key="console_history")
