"""Following N pool results costs O(N) work in the parent (certkit._workers.completed).

Results arrive one at a time (a pool of two workers issuing thousands of nodes); waiting
for "the first of the pending" again after each one was quadratic: every wait locked and
unlocked every pending future. Counted in function calls (tests/work_support.py), so a
slow machine cannot fail it.
"""

from __future__ import annotations

from concurrent.futures import Future

from certkit import _workers
from tests.work_support import python_calls


def _follow_one_at_a_time(count: int) -> list[int]:
    """Futures completed one by one, each as the parent takes the previous one."""
    futures: list[Future[int]] = [Future() for _ in range(count)]
    futures[0].set_result(0)
    seen: list[int] = []
    with _workers.interrupts_at_safe_points() as points:
        for future in _workers.completed(futures, points):
            seen.append(future.result())
            if len(seen) < count:
                futures[len(seen)].set_result(len(seen))
    return seen


def test_every_result_is_yielded_once_in_completion_order():
    assert _follow_one_at_a_time(50) == list(range(50))


def test_following_results_costs_linear_work():
    small = python_calls(lambda: _follow_one_at_a_time(200))
    large = python_calls(lambda: _follow_one_at_a_time(800))
    assert large < 4.5 * small  # four times the results: four times the work, not sixteen


def test_futures_done_before_they_are_followed_are_yielded_too():
    futures: list[Future[str]] = [Future() for _ in range(3)]
    for index, future in enumerate(futures):
        future.set_result(str(index))
    with _workers.interrupts_at_safe_points() as points:
        assert sorted(f.result() for f in _workers.completed(futures, points)) == ["0", "1", "2"]
