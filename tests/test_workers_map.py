"""`workers.map_in_order`: plain work over values the build made, on every core, with the
results (and the failures) of one process."""

from __future__ import annotations

import os

import pytest

from briefsite.workers import map_in_order

PARENT = os.getpid()


def test_results_come_in_order_from_the_workers():
    squares = map_in_order(lambda i: (i * i, os.getpid()), 200, 2, at_least=10)
    assert [value for value, _ in squares] == [i * i for i in range(200)]
    pids = {pid for _, pid in squares}
    assert PARENT not in pids and len(pids) == 2


def test_few_items_or_one_worker_are_done_here():
    assert {pid for pid in map_in_order(lambda i: os.getpid(), 9, 2, at_least=10)} == {PARENT}
    assert {pid for pid in map_in_order(lambda i: os.getpid(), 50, 1, at_least=10)} == {PARENT}


def test_a_range_whose_worker_died_is_done_again_here():
    def work(i: int) -> tuple[int, int]:
        if i == 37 and os.getpid() != PARENT:
            os._exit(9)  # a worker killed mid-range (out of memory, say)
        return i, os.getpid()

    results = map_in_order(work, 100, 2, at_least=10)
    assert [i for i, _ in results] == list(range(100))
    assert dict(results)[37] == PARENT  # its range was done again here
    assert any(pid != PARENT for _, pid in results)  # and the rest in the workers


def test_an_exception_is_raised_here_as_in_one_process():
    def work(i: int) -> int:
        if i == 50:
            raise ValueError("bad item 50")
        return i

    with pytest.raises(ValueError, match="bad item 50"):
        map_in_order(work, 100, 2, at_least=10)
