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
    assert all(name in sys.modules for name in heap.PAGE_MODULES)  # imported before the freeze
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
