"""The pandas peer of the dashboard, for the benchmark (bench/run.py): the same filters, KPI cards
and figures of 总览, 点单服务, 环境与修缮 and 组织建设, computed in pandas from whole tables.

    COOP_DATA_DIR=/tmp/coopdash-bench/orders-1000000 .venv/bin/streamlit run bench/pandas_app/app.py
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts this folder on sys.path, not the repository
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from bench.pandas_app import common  # noqa: E402
from coopdash.i18n.labels import t  # noqa: E402

st.set_page_config(page_title=t("app.title") + " (pandas)", layout="wide")
page = st.navigation([
    st.Page(HERE / "app_pages" / "overview.py", title=t("page.overview"), default=True),
    st.Page(HERE / "app_pages" / "service_orders.py", title=t("page.orders")),
    st.Page(HERE / "app_pages" / "environment.py", title=t("page.environment")),
    st.Page(HERE / "app_pages" / "organisation.py", title=t("page.organisation")),
])
st.session_state["pd_filters"] = common.sidebar()
page.run()
