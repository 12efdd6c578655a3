"""coopdash/heap.py: the start-up heap is frozen once per process; later garbage is still collected."""

import gc
import sys
import weakref

from coopdash.app import cache, heap
from tests.apptest import open_app


class Node:
    pass


def test_the_app_freezes_the_start_up_heap_once():
    open_app()
    frozen = cache.freeze_after_start()  # the count when the app froze the heap (cached as a resource)
    assert frozen > 50_000  # the imported libraries (about 125 k objects in a server process)
    assert 0 < gc.get_freeze_count() <= frozen  # (a frozen object that dies leaves the count)
    assert all(name in sys.modules for name in heap.page_modules())  # imported before the freeze
    assert "pydeck" in sys.modules
    open_app()
    assert cache.freeze_after_start() == frozen  # no second freeze: the count has not grown
    assert gc.get_freeze_count() <= frozen


def test_garbage_made_after_the_freeze_is_still_collected():
    cache.freeze_after_start()
    gc.disable()  # no automatic pass between the two checks
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # a reference cycle: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        assert gone() is not None
        gc.collect()
        assert gone() is None
    finally:
        gc.enable()


FRESH_PROCESS = """
import ast, gc, importlib, pathlib, sys
import streamlit
from coopdash.app import heap
heap.freeze()
for path in [*pathlib.Path("pages").glob("*.py"), pathlib.Path("dashboard.py")]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(module, alias.name):
                    importlib.import_module(node.module + "." + alias.name)
gc.collect()
print(len(gc.get_objects()))
"""


def test_what_the_pages_import_is_frozen_before_their_first_run():
    """In a fresh process: after the freeze, importing everything the pages and dashboard.py import
    leaves only a few objects for the collector's full pass after each run (the briefing's imports
    had left ~80 k, 45 ms a run)."""
    import subprocess
    from coopdash import ROOT
    done = subprocess.run([sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, capture_output=True, text=True,
                          env={**__import__("os").environ, "COOP_AUTH": "none"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) < 5_000


def test_arrow_allocates_from_a_pool_that_hands_memory_back(monkeypatch):
    """server.py's heap.arrow_pool(): jemalloc (system malloc where the build has none), not the wheel's mimalloc;
    an administrator's ARROW_DEFAULT_MEMORY_POOL wins."""
    import pyarrow as pa

    from coopdash.app import heap
    before = pa.default_memory_pool()
    try:
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
        assert heap.arrow_pool() in ("jemalloc", "system") and pa.default_memory_pool().backend_name != "mimalloc"
        pa.set_memory_pool(pa.mimalloc_memory_pool())
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
        assert heap.arrow_pool() == "mimalloc"
    finally:
        pa.set_memory_pool(before)
