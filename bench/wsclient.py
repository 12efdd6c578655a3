"""The Streamlit websocket client the benchmarks drive (one copy, in tests/streamlit_ws.py: the
concurrency tests use it too, and tests/ imports nothing from bench/)."""

from tests.streamlit_ws import Server, View, free_port, open_view, open_views, serve  # noqa: F401
