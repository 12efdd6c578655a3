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
import threading
import time

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
