"""Waiting in tests for something that happens on another thread or in another process.

    reply = wait_for(lambda: sim.last_reply, message="the pad never answered")
    wait_for(lambda: sub.synced, step=lambda: sub.poll_once(0.02), message="first snapshot")

``wait_for`` calls ``condition`` until it returns something truthy and returns that value. Between
two calls it sleeps ``interval`` seconds, or calls ``step`` instead when one is given (a
subscriber's ``poll_once``: whatever drives the thing waited for, and itself takes a little
while). After ``timeout`` seconds it raises AssertionError with ``message`` and the last value
``condition`` returned. An exception from ``condition`` (an assertion about what is seen on the
way, say) is not caught: it fails the test at once.

The timeout only bounds the wait: it is generous, since a loaded CI machine may be slow, and a
test never asserts how long the wait took. Use a plain ``time.sleep`` only where the passing of
time is what is tested (that something does NOT happen meanwhile, a throttle's interval), and
say so beside it. Kivy tests wait with their rig's ``pump`` (tests/kiosk/rig.py,
tests/window_display/rig.py), which also draws frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str | Callable[[], str] = "the condition never held",
    *,
    step: Callable[[], object] | None = None,
) -> T:
    """Poll ``condition`` until it returns a truthy value, and return that value; raise
    AssertionError (``message``, or what a callable ``message`` returns, and the last value)
    once ``timeout`` seconds have passed. The condition is always called at least once, and
    once more after the deadline has passed, so a slow machine does not fail a wait whose
    condition did come true in the meantime."""
    deadline = time.monotonic() + timeout
    while True:
        past = time.monotonic() >= deadline  # read before the check: the check may be slow
        value = condition()
        if value:
            return value
        if past:
            text = message() if callable(message) else message
            raise AssertionError(f"{text} (waited {timeout:g} s; last value: {value!r})")
        if step is not None:
            step()
        else:
            time.sleep(interval)
