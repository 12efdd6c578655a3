"""数据管理 — dataset version, importing ledgers in the browser (upload, review, publish), rows per
table, who has reported this month, the last ingest report, the versions (switch back and forth),
and the ledger templates."""

import datetime as dt

import streamlit as st

from coopdash.app import cache, data_office, ui
from coopdash.app.sidebar import current
from coopdash.data import files
from coopdash.data.contract import TABLES_BY_NAME
from coopdash.data.settings import data_dir
from coopdash.i18n import fmt
from coopdash.i18n.labels import t
from ingest import templates

p = current().params()
folder = data_dir()
info = files.dataset_info(folder)
ui.header("page.admin")

left, right = st.columns(2)
left.metric(t("admin.version"), info["version"] or t("admin.never_ingested"))
right.metric(t("admin.ingested_at"), info["ingested_at"].replace("T", " ") if info["ingested_at"] else "—")
st.caption(t("admin.path", path=fmt.md(info["path"])))
if info["sources"]:
    st.caption(t("admin.sources", files=fmt.md("、".join(s.rsplit("/", 1)[-1] for s in info["sources"]))))
st.download_button(t("admin.templates"), data=templates.templates_zip(), file_name="台账模板.zip",
                   mime="application/zip", help=t("admin.templates_help"), key="admin_templates")

data_office.upload_section()

st.subheader(t("admin.rows"))
counts = cache.run("admin_row_counts")
counts["table_zh"] = [TABLES_BY_NAME[n].label for n in counts["table_name"]]
ui.table(counts, {"table_zh": (t("col.table_zh"), "text"), "table_name": (t("col.table"), "text"),
                  "row_count": (t("col.row_count"), "int")}, key="admin_rows")

st.subheader(t("admin.last_record"))
month_start = dt.date.today().replace(day=1)
month = fmt.month(month_start)
last = cache.run("admin_last_record", **p, month_start=month_start)
if last.empty:
    ui.empty()
else:
    missing = int((~last["reported_this_month"]).sum())
    if missing:
        st.warning(t("admin.not_reported", month=month, n=fmt.number(missing), total=fmt.number(len(last))))
    else:
        st.success(t("admin.all_reported", month=month))
    ui.table(last, {"street_name": (t("col.street"), "text"), "community_name": (t("col.community"), "text"),
                    "coop_name": (t("col.coop"), "text"), "last_record": (t("col.last_record"), "date"),
                    "reported_this_month": (t("col.reported"), "bool")}, key="admin_last_record")

st.subheader(t("admin.report"))
report = files.last_report(folder)
if report is None:
    st.info(t("admin.never_ingested"))
elif report.empty:
    st.success(t("admin.report_clean"))
else:
    ui.table(report, {c: (c, "text") for c in report.columns}, key="admin_report")

data_office.versions_section()
