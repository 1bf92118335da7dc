"""devhost's function pool: sync functions run on a bounded set of pool threads, never on the caller's
thread, at most `threads` at a time, with results and exceptions handed back to the caller; calls
past the bound wait their turn in order; a shut-down pool refuses calls and ends its threads."""
from __future__ import annotations

import threading
import time

import pytest

from devhost import FunctionPool


def test_runs_on_a_pool_thread_and_returns_the_result():
    pool = FunctionPool(2)
    try:
        name = pool.call(lambda: threading.current_thread().name)
        assert name.startswith("devhost-worker_") and name != threading.current_thread().name
        assert pool.call(lambda a, b: a + b, 2, 3) == 5
    finally:
        pool.shutdown()


def test_an_exception_is_raised_in_the_caller_and_the_thread_serves_on():
    pool = FunctionPool(1)
    try:
        with pytest.raises(ZeroDivisionError):
            pool.call(lambda: 1 / 0)
        assert pool.call(lambda: "next") == "next"
    finally:
        pool.shutdown()


def test_a_quiet_pool_reuses_its_last_idle_thread():
    pool = FunctionPool(4)
    try:
        names = {pool.call(lambda: threading.current_thread().name) for _ in range(20)}
        assert len(names) == 1  # one caller at a time: one (warm) thread, not a tour of the pool
    finally:
        pool.shutdown()


def test_never_more_than_threads_at_once_and_waiting_calls_run_in_order():
    pool = FunctionPool(2)
    running, most, order = 0, 0, []
    lock = threading.Lock()
    gate = threading.Event()

    def work(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            order.append(i)  # the order calls start in
        gate.wait(5)
        with lock:
            running -= 1
        return i * i

    results: dict[int, int] = {}

    def caller(i: int) -> None:
        results[i] = pool.call(work, i)

    callers = []
    try:
        for i in range(6):
            t = threading.Thread(target=caller, args=(i,))
            t.start()
            callers.append(t)
            time.sleep(0.05)  # the calls arrive in order
        time.sleep(0.1)
        assert running == 2  # two running, four waiting
        assert sorted(order) == [0, 1]
        gate.set()
        for t in callers:
            t.join(10)
        assert results == {i: i * i for i in range(6)}
        assert most == 2
        assert order[2:] == [2, 3, 4, 5]  # the waiting calls started first come, first served
    finally:
        gate.set()
        pool.shutdown()


def test_shutdown_refuses_new_calls_and_ends_idle_threads():
    pool = FunctionPool(3)
    started = set(threading.enumerate())
    pool.call(lambda: None)
    mine = [t for t in threading.enumerate() if t not in started and t.name.startswith("devhost-worker_")]
    assert len(mine) == 1
    pool.shutdown()
    mine[0].join(5)
    assert not mine[0].is_alive()
    with pytest.raises(RuntimeError):
        pool.call(lambda: None)


def test_a_call_waiting_for_a_thread_at_shutdown_is_refused_not_left_hanging():
    pool = FunctionPool(1)
    gate = threading.Event()
    outcome: list[object] = []

    def second() -> None:
        try:
            outcome.append(pool.call(lambda: "ran"))
        except RuntimeError as exc:
            outcome.append(exc)

    first = threading.Thread(target=pool.call, args=(gate.wait, 5))
    first.start()
    time.sleep(0.05)
    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.05)
    pool.shutdown()
    waiter.join(5)
    gate.set()
    first.join(5)
    assert not waiter.is_alive() and isinstance(outcome[0], RuntimeError)


def test_a_pool_needs_a_thread():
    with pytest.raises(ValueError):
        FunctionPool(0)
