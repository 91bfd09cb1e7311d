"""Evaluation keypad and call pad drivers against their simulators, through real ptys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.health import Status
from devices.keypad import (
    CallAction,
    CallCommand,
    CallPad,
    Evaluation,
    EvaluationKeypad,
    KeypadEvent,
    Refused,
)
from devices.simulators import CallPadSimulator, EvalPadSimulator
from tests.support.wait import wait_for


class Recorder:
    def __init__(self, answers: list[str | Exception] | None = None) -> None:
        self.events: list[KeypadEvent] = []
        self.answers = list(answers or [])

    def __call__(self, event: KeypadEvent) -> str | None:
        self.events.append(event)
        if not self.answers:
            return None
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def evalpad(evalpad_sim: EvalPadSimulator, recorder: Recorder) -> Iterator[EvaluationKeypad]:
    pad = EvaluationKeypad(evalpad_sim.path, handler=recorder, heartbeat=0.1, heartbeat_timeout=0.5)
    pad.start()
    yield pad
    pad.stop()


def test_prompt_then_rating_reaches_the_handler_with_the_ticket(
    evalpad_sim: EvalPadSimulator, evalpad: EvaluationKeypad, recorder: Recorder
) -> None:
    assert evalpad.prompt("A012")
    assert evalpad_sim.wait_line("PROMPT") == "PROMPT A012"
    reply = evalpad_sim.wait_reply(evalpad_sim.press(5))
    assert reply is not None and reply.ok
    [event] = recorder.events
    assert isinstance(event, Evaluation)
    assert (event.level, event.ticket, event.label) == (5, "A012", "非常满意 / very satisfied")


def test_every_level(evalpad_sim: EvalPadSimulator, evalpad: EvaluationKeypad, recorder: Recorder) -> None:
    for key in (1, 2, 3, 4, 5):
        reply = evalpad_sim.wait_reply(evalpad_sim.press(key))
        assert reply is not None and reply.ok
    assert [e.level for e in recorder.events if isinstance(e, Evaluation)] == [1, 2, 3, 4, 5]


def test_unknown_key_is_refused(
    evalpad_sim: EvalPadSimulator, evalpad: EvaluationKeypad, recorder: Recorder
) -> None:
    reply = evalpad_sim.wait_reply(evalpad_sim.press(9))
    assert reply is not None and not reply.ok and reply.text == "BADKEY"
    assert recorder.events == []


def test_lost_ack_does_not_rate_twice(
    evalpad_sim: EvalPadSimulator, evalpad: EvaluationKeypad, recorder: Recorder
) -> None:
    evalpad_sim.drop_replies = 1  # the first ACK is lost; the pad repeats the same sequence number
    reply = evalpad_sim.wait_reply(evalpad_sim.press(2), timeout=3)
    assert reply is not None and reply.ok
    assert len(recorder.events) == 1
    assert sum(line.startswith("ACK 1") for line in evalpad_sim.received) == 2


def test_keymap_for_a_pad_numbering_keys_from_very_satisfied(evalpad_sim: EvalPadSimulator) -> None:
    recorder = Recorder()
    pad = EvaluationKeypad(
        evalpad_sim.path, handler=recorder, keymap={"1": 5, "2": 4, "3": 3, "4": 2, "5": 1}
    )
    pad.start()
    try:
        evalpad_sim.wait_reply(evalpad_sim.press(1))
        evalpad_sim.wait_reply(evalpad_sim.press(5))
    finally:
        pad.stop()
    assert [e.level for e in recorder.events if isinstance(e, Evaluation)] == [5, 1]


def test_silent_pad_is_degraded(evalpad_sim: EvalPadSimulator, evalpad: EvaluationKeypad) -> None:
    wait_for(lambda: evalpad.health().status is Status.OK and evalpad_sim.pings >= 1, message="never pinged")
    evalpad_sim.answer_ping = False
    health = wait_for(
        lambda: (h := evalpad.health()).status is Status.DEGRADED and h, message="a silent pad stayed ok"
    )
    assert "PING" in health.reason
    evalpad_sim.answer_ping = True
    wait_for(lambda: evalpad.health().status is Status.OK, message="a pad answering again stayed degraded")


def test_call_pad_actions(callpad_sim: CallPadSimulator) -> None:
    recorder = Recorder(["A001", "A001", "A001", Refused("empty"), "B007", None, None])
    pad = CallPad(callpad_sim.path, window=3, handler=recorder)
    pad.start()
    try:
        replies = [
            callpad_sim.wait_reply(callpad_sim.press("next")),
            callpad_sim.wait_reply(callpad_sim.press("recall")),
            # The visitor came: a service counts only once started (issue 13).
            callpad_sim.wait_reply(callpad_sim.press("start")),
            callpad_sim.wait_reply(callpad_sim.press("next")),
            callpad_sim.wait_reply(callpad_sim.press("transfer", 7)),
            callpad_sim.wait_reply(callpad_sim.press("pause")),
            callpad_sim.wait_reply(callpad_sim.press("resume")),
        ]
    finally:
        pad.stop()
    assert [(r.ok, r.text) for r in replies if r] == [
        (True, "A001"),
        (True, "A001"),
        (True, "A001"),
        (False, "EMPTY"),
        (True, "B007"),
        (True, ""),
        (True, ""),
    ]
    commands = [e for e in recorder.events if isinstance(e, CallCommand)]
    assert [c.action for c in commands] == [
        CallAction.NEXT,
        CallAction.RECALL,
        CallAction.START,
        CallAction.NEXT,
        CallAction.TRANSFER,
        CallAction.PAUSE,
        CallAction.RESUME,
    ]
    assert commands[4].target == "7" and all(c.window == "3" for c in commands)
    assert len({c.idempotency_key for c in commands}) == 7


def test_call_pad_refuses_another_window_and_bad_arguments(callpad_sim: CallPadSimulator) -> None:
    recorder = Recorder()
    pad = CallPad(callpad_sim.path, window=5, handler=recorder)
    pad.start()
    try:
        wrong_window = callpad_sim.wait_reply(callpad_sim.press("next"))  # the pad says window 3
        pad.window = "3"
        no_target = callpad_sim.wait_reply(callpad_sim.press("transfer"))
        noshow = callpad_sim.wait_reply(callpad_sim.press("noshow"))
    finally:
        pad.stop()
    assert wrong_window is not None and (wrong_window.ok, wrong_window.text) == (False, "BADWIN")
    assert no_target is not None and (no_target.ok, no_target.text) == (False, "BADARGS")
    assert noshow is not None and noshow.ok
    assert [e.action for e in recorder.events if isinstance(e, CallCommand)] == [CallAction.NO_SHOW]


def test_call_pad_keymap_for_vendor_key_names(callpad_sim: CallPadSimulator) -> None:
    recorder = Recorder(["C003"])
    pad = CallPad(callpad_sim.path, keymap={"F1": "next", "F2": "recall"}, handler=recorder)
    pad.start()
    try:
        reply = callpad_sim.wait_reply(callpad_sim.press("F1"))
        refused = callpad_sim.wait_reply(callpad_sim.press("NEXT"))  # not in this pad's map
    finally:
        pad.stop()
    assert reply is not None and (reply.ok, reply.text) == (True, "C003")
    assert refused is not None and refused.text == "BADKEY"


def test_handler_crash_is_a_nak_not_a_dead_pad(callpad_sim: CallPadSimulator) -> None:
    recorder = Recorder([RuntimeError("server down"), "A002"])
    pad = CallPad(callpad_sim.path, handler=recorder)
    pad.start()
    try:
        failed = callpad_sim.wait_reply(callpad_sim.press("next"))
        ok = callpad_sim.wait_reply(callpad_sim.press("next"))
    finally:
        pad.stop()
    assert failed is not None and (failed.ok, failed.text) == (False, "ERROR")
    assert ok is not None and (ok.ok, ok.text) == (True, "A002")


def test_pad_replugged_starts_a_new_session(callpad_sim: CallPadSimulator) -> None:
    recorder = Recorder(["A001", "A002"])
    pad = CallPad(callpad_sim.path, handler=recorder, reconnect_interval=0.05)
    pad.start()
    try:
        assert callpad_sim.wait_reply(callpad_sim.press("next")) is not None
        callpad_sim.unplug()
        wait_for(lambda: pad.health().status is Status.MISSING, message="unplugged, not missing")
        callpad_sim.replug()
        wait_for(lambda: pad.health().status is Status.OK, message="replugged, not ok")
        reply = callpad_sim.wait_reply(callpad_sim.press("next"))
    finally:
        pad.stop()
    assert reply is not None and (reply.ok, reply.text) == (True, "A002")
    keys = [e.idempotency_key for e in recorder.events]
    assert len(keys) == 2 and keys[0] != keys[1]
