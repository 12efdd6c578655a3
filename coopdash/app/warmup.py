"""A server process warms up before it says it is healthy, so that no viewer pays for it.

server.py starts `warm` in a thread from the app's lifespan as the server starts: it opens the current
dataset version (the locked-down connection, its views and rollups), loads the hours index and imports
and freezes the pages' modules (coopdash/app/heap.py): the work the first page view of a process would
otherwise do. Until it is done, `/_stcore/health` answers 503 (`Ready`), so the reverse proxy of
deploy/ sends no session to a replica that is still starting (deploy/upstreams.py polls it).

A warm-up that fails (a dataset that cannot be opened, say) is logged and the process reports healthy
all the same: its pages then say what is wrong in both languages, as the one-process `./start.sh` does,
instead of the proxy hiding every replica behind its "starting" page.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from pathlib import Path

from starlette.responses import PlainTextResponse

_LOG = logging.getLogger("coopdash.warmup")
ready = threading.Event()
HEALTH = "/_stcore/health"


def warm() -> None:
    from coopdash.app import cache  # Streamlit's caches: imported once the runtime exists
    t0 = time.perf_counter()
    try:
        cache.warm()
        _LOG.warning("warm: dataset and hours index ready in %.1f s", time.perf_counter() - t0)
    except Exception:  # noqa: BLE001 — reported by the pages, in both languages
        _LOG.exception("warm-up failed; the pages will say why")
    finally:
        ready.set()


@contextlib.asynccontextmanager
async def lifespan(_app):
    threading.Thread(target=warm, name="coopdash-warmup", daemon=True).start()
    yield


class Ready:
    """ASGI middleware: `/_stcore/health` is 503 until the warm-up is done, then Streamlit's own answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith(HEALTH) and not ready.is_set():
            await PlainTextResponse("warming up", status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


# The browser's warm-up. Streamlit's page fetches the code for each kind of element only when the first
# element of that kind arrives over the websocket, a wave of downloads after each other, and shows the new
# elements only once every one of them is ready: on the overview the KPI cards waited for Plotly's 4.7 MB
# (first KPI at 2.3–3.4 s, bench/browser_time.py). The page's document asks for the element code the report
# pages draw as soon as it loads, while it is still connecting, so it is ready (the same URLs, one copy in
# the browser's module map) when the figures arrive. Plotly's 4.7 MB (PRELOAD_ONLY) is asked for only once the
# page's own code has run (compiling it competed with the page's code on a busy machine) and is fetched and
# compiled but not run: running it takes ≈ 350 ms of the browser's main thread, which at the page's start
# held up the session's first message and the cards behind it; Streamlit runs it when the first chart
# arrives, after the cards are on screen. The KPI cards are st.html (ui.cards): the chunk that draws it
# imports DOMPurify, which the browser would ask for only once it had read that chunk, and the cards showed
# as placeholders until then (up to a second after the title on a busy machine); it is asked for with the
# rest (issue 23, item 7; bench/README.md).
EAGER = ("Metric", "PlotlyChart", "DataFrame", "Multiselect", "DateInput", "ButtonGroup", "Checkbox", "Html",
         "DownloadButton", "Button")
PRELOAD_ONLY = ("PlotlyChart",)
CARDS = ("Html",)  # the KPI cards' element: the chunks it imports are asked for with it, not after it


def _imports(path) -> list[str]:
    """The chunks a chunk imports statically ("./x.js" in an import statement)."""
    return [m.decode() for m in re.findall(rb"""(?:from|import)\s*["']\./([A-Za-z0-9_.-]+\.js)["']""",
                                             path.read_bytes())] if path.is_file() else []


_NOT_DOCUMENTS = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/")


def eager_tags(js_dir, have=()) -> tuple[bytes, bytes]:
    """(`<link rel="modulepreload">` for each of EAGER's chunks this Streamlit has but PRELOAD_ONLY's, and for
    the chunks CARDS' import that the document (`have`) does not name already, to go before the page's own
    script: fetched and compiled while the page's code loads; a `<script type="module">`
    for the end of the head, run as soon as the page's code has run, before the websocket's first figures:
    importing those chunks, and adding a modulepreload link for PRELOAD_ONLY's). Their names carry a hash of
    the build, so they are looked up, not written down; empty when none is found."""
    names = {}
    for path in sorted(Path(js_dir).glob("*.js")):
        m = re.fullmatch(r"([A-Za-z]+)\.[A-Za-z0-9_-]+\.js", path.name)
        if m and m.group(1) in EAGER:
            names[m.group(1)] = path.name
    found = [names[n] for n in EAGER if n in names]
    if not found:
        return b"", b""
    deps = [d for n in CARDS if n in names for d in _imports(Path(js_dir) / names[n]) if d not in found
            and d not in have]
    links = "".join(f'<link rel="modulepreload" crossorigin href="./static/js/{name}">'
                    for name in [names[n] for n in EAGER if n in names and n not in PRELOAD_ONLY] + deps)
    run = "".join(f'import("./static/js/{names[n]}");' for n in EAGER if n in names and n not in PRELOAD_ONLY)
    later = ",".join(f'"./static/js/{names[n]}"' for n in PRELOAD_ONLY if n in names)
    if later:  # asked for once the page's code has run: fetched and compiled while the session starts
        run += (f'[{later}].forEach(function (h) {{ const l = document.createElement("link"); l.rel = "modulepreload";'
                f' l.crossOrigin = ""; l.href = h; document.head.appendChild(l); }});')
    return links.encode(), f'<script type="module">{run}</script>'.encode() if run else b""


class EagerElements:
    """ASGI middleware: Streamlit's page document (any GET answered with HTML) gets `eager_script` before
    `</head>`; everything else passes untouched. The document is asked for uncompressed (3 kB)."""

    def __init__(self, app, js_dir=None):
        import streamlit
        self.app = app
        js_dir = Path(js_dir or Path(streamlit.__file__).parent / "static" / "static" / "js")
        index = js_dir.parent.parent / "index.html"  # the chunks the document names already
        have = re.findall(r"static/js/([A-Za-z0-9_.-]+\.js)", index.read_text()) if index.is_file() else []
        self.links, self.script = eager_tags(js_dir, have)

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] != "GET" or not self.script
                or any(part in path for part in _NOT_DOCUMENTS) or "." in path.rsplit("/", 1)[-1]):
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: dict | None = None
        chunks: list[bytes] = []

        async def rewrite(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                if b"text/html" in headers.get(b"content-type", b"") and b"content-encoding" not in headers:
                    start = message
                    return
                start = None
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks).replace(b"<script type=\"module\"", self.links + b"<script type=\"module\"", 1)
                body = body.replace(b"</head>", self.script + b"</head>", 1)
                headers = [(k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                           for k, v in start.get("headers", [])]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, rewrite)
