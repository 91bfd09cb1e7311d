"""tests/support/wait.py: wait_for returns the condition's value, or fails saying what it waited for."""

from __future__ import annotations

import itertools

import pytest

from tests.support.wait import wait_for


def test_returns_the_first_truthy_value() -> None:
    values = iter([None, 0, [], "", ["ready"]])
    assert wait_for(lambda: next(values), interval=0) == ["ready"]


def test_fails_with_the_message_and_the_last_value() -> None:
    count = itertools.count()
    with pytest.raises(AssertionError, match=r"the pad never answered \(waited 0\.05 s; last value: \[\]\)"):
        wait_for(lambda: [] if next(count) >= 0 else None, timeout=0.05, message="the pad never answered")


def test_a_callable_message_is_read_when_it_fails() -> None:
    seen: list[int] = []
    with pytest.raises(AssertionError, match=r"seen \[1, 1"):
        wait_for(lambda: seen.append(1), timeout=0.05, message=lambda: f"seen {seen}")


def test_the_condition_is_checked_once_more_after_the_deadline() -> None:
    calls = itertools.count(1)
    # a timeout of 0: the first call is already past the deadline, and is still made
    assert wait_for(lambda: next(calls), timeout=0) == 1
    late = iter([False, True])
    assert wait_for(lambda: next(late), timeout=0.01, interval=0.05) is True


def test_step_is_called_between_checks_instead_of_sleeping() -> None:
    state = {"n": 0}

    def step() -> None:
        state["n"] += 1

    assert wait_for(lambda: state["n"] >= 3 and state["n"], step=step) == 3


def test_an_exception_from_the_condition_fails_at_once() -> None:
    def condition() -> bool:
        raise AssertionError("refused with the wrong code")

    with pytest.raises(AssertionError, match="wrong code"):
        wait_for(condition, timeout=60)
