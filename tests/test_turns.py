"""coopdash/app/turns.py: pages take turns; a turn orders the work and never refuses it."""

from __future__ import annotations

import threading
import time

import pytest

from coopdash.app import turns
from coopdash.data.settings import settings


def test_the_shipped_settings_give_four_turns():
    assert settings().query_pages_at_once == 4
    # four sessions hold a turn, a fifth waits
    held = [turns._turns.acquire(timeout=0) for _ in range(4)]
    try:
        assert held == [True] * 4 and not turns._turns.acquire(timeout=0)
    finally:
        for _ in held:
            turns._turns.release()


def test_a_second_page_waits_until_the_first_has_finished():
    one = threading.BoundedSemaphore(1)
    events, inside = [], threading.Event()

    def first():
        with turns.turn(turns=one):
            events.append("first in")
            inside.set()
            time.sleep(0.3)
            events.append("first out")

    def second():
        inside.wait()
        with turns.turn(turns=one) as got:
            events.append(f"second in ({got})")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert events == ["first in", "first out", "second in (True)"]


def test_a_page_that_waited_too_long_runs_anyway_and_gives_back_no_turn_it_did_not_hold():
    one = threading.BoundedSemaphore(1)
    assert one.acquire(timeout=0)  # a long query holds the only turn
    started = time.monotonic()
    with turns.turn(wait=0.2, turns=one) as got:
        ran = True
    assert ran and got is False and 0.2 <= time.monotonic() - started < 2
    one.release()  # the long query ends: the turn is free again, and there is still exactly one
    assert one.acquire(timeout=0) and not one.acquire(timeout=0)


def test_a_rerun_or_an_error_inside_gives_the_turn_back():
    one = threading.BoundedSemaphore(1)

    class Rerun(Exception):  # as Streamlit's RerunException leaves the page
        pass

    with pytest.raises(Rerun):
        with turns.turn(turns=one):
            raise Rerun
    assert one.acquire(timeout=0)
