"""The server: dashboard.py served by Streamlit, with the sign-in routes and the page gate beside it.

`./start.sh` runs `streamlit run server.py` (Streamlit finds `app` below and serves it with uvicorn,
taking the same --server.* options). AppTest and the data layer use dashboard.py directly.
"""

import streamlit as st
from starlette.middleware import Middleware

from coopdash import ROOT
from coopdash.auth import web

app = st.App(ROOT / "dashboard.py", routes=web.routes(), middleware=[Middleware(web.Gate)])
