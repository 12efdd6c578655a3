"""Once per server process: take the start-up heap out of the garbage collector's full passes.

Streamlit runs a full `gc.collect()` after every script run (`runner.postScriptGC`, on by default, so
that cyclic garbage does not pile up between runs). A full pass visits every tracked object, and
after start-up that is mostly the imported libraries, so each pass is long beside a cached page's
run, and holds the GIL. Each page view paid it once more after its script finished, and under load
every session waited for the others' passes.

`gc.freeze()` moves the objects alive at that moment into a generation the collector no longer
visits. They are modules, classes, functions and constants that live as long as the process anyway;
everything made later (query results, figures, session state) is collected exactly as before, and
the pass after a run visits only that.

Measured figures (objects frozen, a pass before and after, sessions under load): docs/scale.md, item 11.
"""

from __future__ import annotations

import atexit
import gc
import importlib

# What the pages import, loaded before the freeze so that their import-time objects are frozen too
# (pydeck and Plotly are the large ones); each would be imported by its page's first view anyway.
PAGE_MODULES = ("coopdash.app.ui", "coopdash.app.charts", "coopdash.app.maps", "coopdash.data.hours",
                "coopdash.workbench.explorer", "coopdash.workbench.console", "coopdash.app.export", "ingest.templates",
                "coopdash.app.data_office")


def freeze() -> int:
    """Import the pages' modules, collect once, freeze what is left; returns the frozen object count.
    Called once per process through `cache.freeze_after_start` (a cached resource: the first script
    run of the process only)."""
    for name in PAGE_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    # at exit, hand them back, so that the interpreter's last collection frees them as it would have
    # (DuckDB's bindings otherwise report their frozen objects as leaked when the process ends)
    atexit.register(gc.unfreeze)
    return gc.get_freeze_count()
