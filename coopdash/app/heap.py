"""Once per server process: take the start-up heap out of the garbage collector's full passes.

Streamlit can run a full `gc.collect()` after every script run (`runner.postScriptGC`, on by default, so
that cyclic garbage does not pile up between runs). A full pass visits every tracked object, and
after start-up that is mostly the imported libraries, so each pass is long beside a cached page's
run, and holds the GIL. Each page view paid it once more after its script finished, and under load
every session waited for the others' passes.

`gc.freeze()` moves the objects alive at that moment into a generation the collector no longer
visits. They are modules, classes, functions and constants that live as long as the process anyway;
everything made later (query results, figures, session state) is collected exactly as before.

Since issue 25 the pass after each run is off (.streamlit/config.toml): under a burst of new sessions it
still visited every other session's live objects (15 % of the GIL's time with 50 sessions at once), and
Python's generational collector frees cyclic garbage as it piles up. The freeze stays: those automatic
full collections skip the start-up heap too.

Measured figures (objects frozen, a pass before and after, sessions under load): docs/scale.md, item 11.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import importlib
import os
import pkgutil

import pyarrow as pa

# What the pages import, loaded before the freeze so that their import-time objects are frozen too
# (pydeck and Plotly are the large ones); each would be imported by its page's first view anyway. Every
# module of these packages, so that a new app module cannot be forgotten here: the overview's briefing
# module, imported after the freeze, had left ~80 k objects for every run's full pass (45 ms a run).
# tests/test_heap.py checks what remains.
PAGE_PACKAGES = ("coopdash.app", "coopdash.briefing", "coopdash.workbench")
PAGE_MODULES = ("coopdash.data.hours", "ingest.templates",
                "pandas.io.formats.style")  # the ranking's and the organisation page's styled tables (jinja2)
# Imported when a page first needs them, not at start: the briefing's writers (python-docx, fpdf2; with
# matplotlib, which coopdash/briefing/charts.py imports when it draws, about 45 MB of every replica's memory).
# Until someone asks for a briefing, no process carries them; that first briefing leaves their objects unfrozen.
ON_DEMAND = ("coopdash.briefing.render",)


def page_modules() -> list[str]:
    """PAGE_MODULES and every module of PAGE_PACKAGES (except `__main__`s: commands, not pages)."""
    names = list(PAGE_MODULES)
    for package in PAGE_PACKAGES:
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(importlib.import_module(package).__path__)
                  if m.name != "__main__"]
    return [n for n in names if n not in ON_DEMAND]


def freeze() -> int:
    """Import the pages' modules, collect once, freeze what is left; returns the frozen object count.
    Called once per process through `cache.freeze_after_start` (a cached resource: the first script
    run of the process only)."""
    for name in page_modules():
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    # at exit, hand them back, so that the interpreter's last collection frees them as it would have
    # (DuckDB's bindings otherwise report their frozen objects as leaked when the process ends)
    atexit.register(gc.unfreeze)
    return gc.get_freeze_count()


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()
M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_arenas(arenas: int = 2) -> None:
    """At most `arenas` glibc malloc arenas from now on (server.py, as the process starts). glibc gives each
    new thread that finds the others busy an arena of its own, up to 8 per core, and each keeps the memory
    freed in it: under 50 new sessions at once (each a script thread, some with side-by-side workers) a server
    grew to 1,218–1,271 MB, with two arenas to 1,072–1,127 MB, at no cost in time (docs/deploy.md)."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to limit


def arrow_pool() -> str:
    """Arrow's allocations (each query's result on its way to pandas, the indexes' batches as they load) from
    jemalloc, which hands freed memory back to the operating system after a second, instead of the wheel's
    default, mimalloc, which kept about 100 MB of freed pages in its 1 GiB arena (server.py, as the process
    starts; ARROW_DEFAULT_MEMORY_POOL, where an administrator set it, wins). Returns the pool's name."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        for pool in (pa.jemalloc_memory_pool, pa.system_memory_pool):
            try:
                pa.set_memory_pool(pool())
                break
            except NotImplementedError:  # a build without jemalloc
                continue
    return pa.default_memory_pool().backend_name


def trim() -> None:
    """Hand memory freed inside the process back to the operating system: Arrow's pool's unused memory and
    glibc's free heap pages (malloc_trim). Without it a dataset version's resources, once freed, stay in the
    allocators' free lists: measured at 10 M orders, loading and freeing a version's connection, hours index
    and district index left about 100 MB more resident each of the first two times (bench/publish_memory.py;
    docs/ingest.md). Called when one of them is freed (coopdash/app/cache.py)."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)
