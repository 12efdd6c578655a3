"""A minimal client of a running Streamlit server, for load tests: each view opens its own websocket
session as a browser tab does, asks for a page with a link's query string (the filters), and waits
until the server reports the script run finished. Nothing is rendered; the time measured is the
server's: the whole script run plus sending every element over the websocket.

    with serve(ROOT / "server.py", data) as server:
        views = asyncio.run(open_views(server.port, [("", "from=2023-04-01&to=2023-11-30")] * 20))
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
    seconds: float = 0.0
    metrics: dict[str, str] = field(default_factory=dict)
    charts: list[str] = field(default_factory=list)  # Plotly specs, in page order
    exceptions: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # st.info / warning / error texts
    messages: int = 0
    bytes: int = 0
    finished: bool = False
    cookies: dict[str, str] = field(default_factory=dict)  # what the page's GET set (http_first)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    healthy_s: float
    idle_rss_mb: float | None = None  # once healthy, before any session

    def _status_mb(self, field_: str) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(field_ + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def peak_rss_mb(self) -> float | None:
        """The server process's peak resident set (VmHWM), from /proc."""
        return self._status_mb("VmHWM")

    def rss_mb(self) -> float | None:
        return self._status_mb("VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> tuple[int, ...]:
    """n consecutive free local ports (deploy/serve.py numbers the replicas from the first)."""
    for _ in range(200):
        first = free_port()
        try:
            with contextlib.ExitStack() as stack:
                for p in range(first, first + n):
                    stack.enter_context(socket.socket()).bind(("127.0.0.1", p))
            return tuple(range(first, first + n))
        except OSError:
            continue
    raise RuntimeError("no free consecutive ports")


@contextlib.contextmanager
def serve(entry: Path, data: Path, timeout: float = 120, env: dict | None = None, log: Path | None = None):
    """`streamlit run entry` on a free local port with COOP_DATA_DIR=data, until it is healthy. `log`: a
    file for the server's output (else it is discarded), quoted when the server does not start."""
    port = free_port()
    # sign-in off unless asked (the load tests measure the pages; tests/test_roles.py signs in)
    env = {**os.environ, "COOP_DATA_DIR": str(data), "COOP_AUTH": os.environ.get("COOP_AUTH") or "none",
           **(env or {})}
    t0 = time.perf_counter()
    out = open(log, "wb") if log else subprocess.DEVNULL  # a file, never a pipe nobody drains
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.05)
            if proc.poll() is not None or time.perf_counter() - t0 > timeout:
                tail = log.read_text(errors="replace")[-2000:] if log else ""
                raise RuntimeError(f"the server for {entry} did not start\n{tail}")
        server = Server(proc, port, round(time.perf_counter() - t0, 3))
        server.idle_rss_mb = server.rss_mb()
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def get_page(port: int, page: str, query: str, headers: dict | None = None) -> dict[str, str]:
    """GET the page as a browser tab does first (the HTML), returning the cookies the answer set."""
    url = f"http://127.0.0.1:{port}/{page}" + (f"?{query}" if query else "")
    request = urllib.request.Request(url, headers={"Accept": "text/html", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as r:
        r.read()
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
    return dict(c.split("=", 1) for c in cookies if "=" in c)


async def open_view(port: int, page: str, query: str, timeout: float = 1800, headers: dict | None = None,
                    http_first: bool = False) -> View:
    """One new session: the page (its URL path, "" for the default) with `query`, run to the end.
    `headers`: sent with the websocket's handshake, as a browser sends its cookies (or a proxy its header).
    `http_first`: GET the page first and send the cookies it set with the websocket, as a browser tab
    does (behind deploy/'s nginx, the coop_route cookie takes the websocket to the replica that
    answered the GET); the time measured starts with the GET."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    view = View(page, query)
    t_first = time.perf_counter()
    if http_first:
        view.cookies = await asyncio.to_thread(get_page, port, page, query, headers)
        if view.cookies:
            own = "; ".join(f"{k}={v}" for k, v in view.cookies.items())
            given = (headers or {}).get("Cookie")
            headers = {**(headers or {}), "Cookie": f"{given}; {own}" if given else own}
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60, ping_interval=None,
                                  additional_headers=headers or {}) as ws:
        request = BackMsg()
        request.rerun_script.query_string = query
        request.rerun_script.page_name = page
        t0 = time.perf_counter()
        await ws.send(request.SerializeToString())

        async def receive():
            while True:
                data = await ws.recv()
                view.messages += 1
                view.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    which = element.WhichOneof("type")
                    if which == "metric":
                        view.metrics[element.metric.label] = element.metric.body
                    elif which == "html" and "coop-kpi" in element.html.body:  # the KPI cards
                        from tests.apptest import read_cards
                        view.metrics.update((c.label, c.value) for c in read_cards(element.html.body))
                    elif which == "plotly_chart":
                        view.charts.append(element.plotly_chart.spec)
                    elif which == "exception":
                        view.exceptions.append(element.exception.message[:500])
                    elif which == "alert":
                        view.alerts.append(element.alert.body[:500])
                elif kind == "script_finished":
                    if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue  # a browser tab keeps listening: the rerun draws the page
                    view.finished = True
                    return
        await asyncio.wait_for(receive(), timeout)
        view.seconds = time.perf_counter() - (t_first if http_first else t0)
    return view


async def open_views(port: int, specs: list[tuple[str, str]], timeout: float = 1800,
                     headers: list[dict] | None = None, http_first: bool = False) -> list[View]:
    """All the (page, query) views at once, each its own session; exceptions returned, not raised.
    `headers`: one handshake header dict per view (e.g. each its own user's cookie)."""
    headers = headers or [{}] * len(specs)
    return await asyncio.gather(*(open_view(port, page, query, timeout, h, http_first)
                                  for (page, query), h in zip(specs, headers)), return_exceptions=True)
