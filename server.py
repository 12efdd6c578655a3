"""The server: dashboard.py served by Streamlit, with the sign-in routes and the page gate beside it.

`./start.sh` runs `streamlit run server.py` (Streamlit finds `app` below and serves it with uvicorn,
taking the same --server.* options); `./serve.sh` runs several of them behind nginx (deploy/). Each
process warms up as it starts and reports healthy only then (coopdash/app/warmup.py). AppTest and the
data layer use dashboard.py directly.
"""

import sys

import streamlit as st
from starlette.middleware import Middleware

from coopdash import ROOT
from coopdash.app import heap, warmup
from coopdash.auth import web
from coopdash.data.settings import settings

try:  # a settings file with an unknown key or a wrong type, or proxy mode on a public interface with no proxy
    # secret: refused before anything listens
    settings()
    web.refuse_unsafe_proxy(st.get_option("server.address"))
except web.CoopError as exc:
    sys.exit(f"{exc.zh}\n{exc.en}")

heap.limit_arenas()  # before the sessions' threads: each would otherwise hold its own malloc arena
heap.arrow_pool()  # before the first query: the pool that hands freed memory back
app = st.App(ROOT / "dashboard.py", routes=web.routes(), lifespan=warmup.lifespan,
             middleware=[Middleware(web.FrameHeaders), Middleware(web.ProxyProof), Middleware(warmup.Ready),
                         Middleware(warmup.EagerElements),
                         Middleware(web.Gate)])
