"""A minimal websocket client of a running `streamlit run dashboard.py`, for the tests: each view opens
its own session as a browser tab does, asks for a page with a link's query string (the filters), and
collects the metrics, charts and exceptions the server sends until it reports the script run finished.

    with serve(ROOT / "dashboard.py", data) as server:
        views = asyncio.run(open_views(server.port, [("", "from=2023-04-01&to=2023-11-30")] * 20))

(The part of bench/wsclient.py the tests use, so that tests/ does not import bench/.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from coopdash import ROOT


@dataclass
class View:
    page: str
    query: str
    metrics: dict[str, str] = field(default_factory=dict)
    charts: list[str] = field(default_factory=list)  # Plotly specs, in page order
    exceptions: list[str] = field(default_factory=list)
    finished: bool = False


@dataclass
class Server:
    proc: subprocess.Popen
    port: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(entry: Path, data: Path, timeout: float = 120):
    """`streamlit run entry` on a free local port with COOP_DATA_DIR=data, until it is healthy."""
    port = free_port()
    env = {**os.environ, "COOP_DATA_DIR": str(data)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.05)
            if proc.poll() is not None or time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"the server for {entry} did not start")
        yield Server(proc, port)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def open_view(port: int, page: str, query: str, timeout: float = 1800) -> View:
    """One new session: the page (its URL path, "" for the default) with `query`, run to the end."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    view = View(page, query)
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None) as ws:
        request = BackMsg()
        request.rerun_script.query_string = query
        request.rerun_script.page_name = page
        await ws.send(request.SerializeToString())

        async def receive():
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await ws.recv())
                kind = msg.WhichOneof("type")
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    which = element.WhichOneof("type")
                    if which == "metric":
                        view.metrics[element.metric.label] = element.metric.body
                    elif which == "plotly_chart":
                        view.charts.append(element.plotly_chart.spec)
                    elif which == "exception":
                        view.exceptions.append(element.exception.message[:500])
                elif kind == "script_finished":
                    if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue  # a browser tab keeps listening: the rerun draws the page
                    view.finished = True
                    return
        await asyncio.wait_for(receive(), timeout)
    return view


async def open_views(port: int, specs: list[tuple[str, str]], timeout: float = 1800) -> list[View]:
    """All the (page, query) views at once, each its own session; exceptions returned, not raised."""
    return await asyncio.gather(*(open_view(port, page, query, timeout) for page, query in specs),
                                return_exceptions=True)
