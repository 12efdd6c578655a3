"""At most `[query] pages_at_once` pages computing at once in a server process; other sessions wait their turn.

When the monthly meeting opens the link, fifty sessions reach one replica within seconds. On two cores they
cannot run faster side by side than one after another: each page's work is Python under one lock (the GIL)
and DuckDB on two threads. Run all at once, every session finished at the very end of the burst (p50 = p95 =
the whole burst), and the fifty runs' working sets (query results, frames, figures on their way out) were all
held at the same moment. Taking turns, the first sessions are answered while the rest wait, and only a few
runs' working sets exist at once. Measured with 50 new sessions at once on one process at 10 M orders, 4 at a
time against no limit: p50 2.3 against 4.1 s, p95 3.3–3.7 against 3.7–4.3 s, 86–95 against 93–110 ms of CPU
a session; two replicas behind nginx under 100 sessions: docs/deploy.md.

Only the page itself takes a turn (dashboard.py): the sign-in, the sidebar's filters and the navigation come
first and cost little. A session that waits longer than `WAIT_SECONDS` (a few analysts' long queries holding
every turn) runs anyway: a turn orders the work, it never refuses it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from coopdash.data.settings import settings

WAIT_SECONDS = 30.0
_turns = threading.BoundedSemaphore(max(1, settings().query_pages_at_once))


@contextmanager
def turn(wait: float = WAIT_SECONDS, turns: threading.BoundedSemaphore = _turns):
    """Hold one of the process's turns while the block runs (waiting at most `wait` seconds for one)."""
    got = turns.acquire(timeout=wait)
    try:
        yield got
    finally:
        if got:
            turns.release()
