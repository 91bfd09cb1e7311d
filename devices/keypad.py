"""Evaluation keypads (好差评) and clerks' call pads on serial lines: our line protocol.

No vendor standard exists, so the protocol is ours; ``devices/README.md`` specifies it. In
short, ASCII words separated by spaces, one message a line (CR LF; CR or LF accepted):

    device → host   HELLO <EVALPAD|CALLPAD> <device-id>
                    EVAL <key> <seq>
                    CALL <window> <key> [<target>] <seq>
                    PONG
    host → device   ACK <seq> [<text>]        done; <text> for the pad's display (e.g. A012)
                    NAK <seq> <reason>        refused: EMPTY, PAUSED, BADWIN, BADKEY, ERROR, ...
                    PROMPT <ticket>           evaluation pad: ask the visitor to rate
                    IDLE                      evaluation pad: stop asking
                    PING                      heartbeat; the device answers PONG
                    ERR <what>                a line the host did not understand

A device repeats a message with the same ``seq`` until it gets ACK/NAK; the host acts once
per ``seq`` and answers repeats from its cache, so a lost ACK never rates twice or calls two
tickets. Keys are mapped to levels/actions by a configurable keymap, because pads number
their keys differently.
"""

from __future__ import annotations

import enum
import logging
import queue
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devices.framing import decode_text
from devices.health import Health, Status
from devices.serialdev import SerialLineDevice

log = logging.getLogger(__name__)

EVALUATION_LEVELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "very satisfied"),
    4: ("满意", "satisfied"),
    3: ("基本满意", "basically satisfied"),
    2: ("不满意", "dissatisfied"),
    1: ("非常不满意", "very dissatisfied"),
}
# Default: the key sends the level itself (5 = 非常满意).
DEFAULT_EVAL_KEYMAP: dict[str, int] = {str(level): level for level in EVALUATION_LEVELS}


class CallAction(enum.StrEnum):
    NEXT = "next"  # 叫号
    START = "start"  # 开始办理: the visitor called is at the window (a service counts only once started)
    RECALL = "recall"  # 重呼
    NO_SHOW = "noshow"  # 过号
    PAUSE = "pause"  # 暂停
    RESUME = "resume"  # 恢复
    TRANSFER = "transfer"  # 转办

    @property
    def label(self) -> str:
        return {
            CallAction.NEXT: "叫号 / call next",
            CallAction.START: "开始办理 / start serving",
            CallAction.RECALL: "重呼 / recall",
            CallAction.NO_SHOW: "过号 / no-show",
            CallAction.PAUSE: "暂停 / pause",
            CallAction.RESUME: "恢复 / resume",
            CallAction.TRANSFER: "转办 / transfer",
        }[self]


DEFAULT_CALL_KEYMAP: dict[str, CallAction] = {action.value.upper(): action for action in CallAction}


class ProtocolError(ValueError):
    """A line that does not follow the protocol; answered with NAK or ERR."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


class Refused(Exception):  # named for what a handler does: raise Refused("EMPTY")
    """Raised by a handler to answer NAK with ``reason`` (one word, e.g. ``EMPTY``)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason.split()[0].upper() if reason.strip() else "ERROR"
        super().__init__(self.reason)


@dataclass(frozen=True)
class Evaluation:
    device: str
    level: int  # 5 非常满意 … 1 非常不满意
    key: str
    seq: int
    idempotency_key: str
    ticket: str | None  # the ticket the pad was prompted for, if any

    @property
    def label(self) -> str:
        zh, en = EVALUATION_LEVELS[self.level]
        return f"{zh} / {en}"


@dataclass(frozen=True)
class CallCommand:
    device: str
    window: str
    action: CallAction
    key: str
    seq: int
    idempotency_key: str
    target: str | None = None  # transfer: window number or service item code


KeypadEvent = Evaluation | CallCommand
Handler = Callable[[KeypadEvent], str | None]


def split_line(raw: bytes) -> list[str]:
    text, _ = decode_text(raw)
    return text.strip().split()


class KeypadDevice(SerialLineDevice):
    """Common part: sequence numbers, replies, de-duplication, heartbeat."""

    kind = "keypad"
    device_word = ""  # HELLO word this class accepts

    def __init__(
        self,
        port: str,
        baud: int = 9600,
        *,
        name: str | None = None,
        handler: Handler | None = None,
        heartbeat: float = 2.0,
        heartbeat_timeout: float = 5.0,
        **kwargs: object,
    ) -> None:
        super().__init__(port, baud, name=name, **kwargs)  # type: ignore[arg-type]
        self.handler = handler
        self.heartbeat = heartbeat
        self.heartbeat_timeout = heartbeat_timeout
        self.device_id: str | None = None
        self.events: queue.Queue[KeypadEvent] = queue.Queue()
        self.session = uuid.uuid4().hex[:8]
        self._answers: OrderedDict[int, str] = OrderedDict()
        self._last_ping = 0.0
        self._connected_at = time.monotonic()

    def on_connect(self) -> None:
        self._new_session()
        self._connected_at = time.monotonic()
        self._last_ping = 0.0

    def _new_session(self) -> None:
        # A new session makes idempotency keys fresh after a device restart reuses sequence numbers.
        self.session = uuid.uuid4().hex[:8]
        self._answers.clear()

    def health(self) -> Health:
        base = super().health()
        if base.status is not Status.OK:
            return base
        alive = max(self.last_rx or 0.0, self._connected_at)
        if time.monotonic() - alive > self.heartbeat_timeout:
            return Health.degraded("无心跳应答 / no answer to PING")
        return base

    def on_idle(self, now: float) -> None:
        if self.heartbeat and now - self._last_ping >= self.heartbeat:
            self._last_ping = now
            self.write_line("PING")

    def on_line(self, raw: bytes) -> None:
        words = split_line(raw)
        if not words:
            return
        verb = words[0].upper()
        if verb == "PONG":
            return
        if verb == "HELLO":
            self.device_id = words[2] if len(words) > 2 else None
            self._new_session()
            self.write_line("ACK 0")
            return
        if len(words) < 2 or not words[-1].isdigit():
            self.write_line(f"ERR {verb[:16]}")
            return
        seq = int(words[-1])
        if seq in self._answers:  # a repeat: the device missed our answer
            self.write_line(self._answers[seq])
            return
        try:
            event = self.parse(verb, words[1:-1], seq)
        except ProtocolError as exc:
            answer = f"NAK {seq} {exc.reason}"
        else:
            answer = self._dispatch(event, seq)
        self._answers[seq] = answer
        while len(self._answers) > 64:
            self._answers.popitem(last=False)
        self.write_line(answer)

    def _dispatch(self, event: KeypadEvent, seq: int) -> str:
        self.events.put(event)
        if self.handler is None:
            return f"ACK {seq}"
        try:
            text = self.handler(event)
        except Refused as exc:
            return f"NAK {seq} {exc.reason}"
        except Exception:
            log.exception("%s: handler failed for %r", self.name, event)
            return f"NAK {seq} ERROR"
        return f"ACK {seq} {text}" if text else f"ACK {seq}"

    def idempotency_key(self, seq: int) -> str:
        return f"{self.name}:{self.session}:{seq}"

    def parse(self, verb: str, args: list[str], seq: int) -> KeypadEvent:
        raise ProtocolError("BADVERB", verb)

    def next_event(self, timeout: float | None = None) -> KeypadEvent | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None


class EvaluationKeypad(KeypadDevice):
    """Five-key 好差评 pad. ``keymap`` maps the key word the pad sends to a level 5..1."""

    kind = "evalpad"

    def __init__(
        self, port: str, baud: int = 9600, *, keymap: Mapping[str, int] | None = None, **kwargs: object
    ):
        super().__init__(port, baud, **kwargs)  # type: ignore[arg-type]
        self.keymap = {k.upper(): int(v) for k, v in (keymap or DEFAULT_EVAL_KEYMAP).items()}
        bad = [v for v in self.keymap.values() if v not in EVALUATION_LEVELS]
        if bad:
            raise ValueError(f"evaluation levels must be 1..5, got {bad}")
        self.ticket: str | None = None

    def prompt(self, ticket: str) -> bool:
        """Ask the visitor to rate the service of ``ticket``."""
        self.ticket = ticket
        return self.write_line(f"PROMPT {ticket}")

    def idle(self) -> bool:
        self.ticket = None
        return self.write_line("IDLE")

    def parse(self, verb: str, args: list[str], seq: int) -> KeypadEvent:
        if verb != "EVAL":
            raise ProtocolError("BADVERB", verb)
        if len(args) != 1 or args[0].upper() not in self.keymap:
            raise ProtocolError("BADKEY", " ".join(args))
        key = args[0].upper()
        event = Evaluation(
            device=self.name,
            level=self.keymap[key],
            key=key,
            seq=seq,
            idempotency_key=self.idempotency_key(seq),
            ticket=self.ticket,
        )
        self.ticket = None  # one rating per prompt
        return event


class CallPad(KeypadDevice):
    """A clerk's call pad at one window. ``keymap`` maps key words to actions; ``window``, if
    set, is the only window this pad may act for (a miswired pad is refused, not obeyed)."""

    kind = "callpad"

    def __init__(
        self,
        port: str,
        baud: int = 9600,
        *,
        window: str | int | None = None,
        keymap: Mapping[str, str | CallAction] | None = None,
        **kwargs: object,
    ):
        super().__init__(port, baud, **kwargs)  # type: ignore[arg-type]
        self.window = str(window) if window is not None else None
        self.keymap = {k.upper(): CallAction(v) for k, v in (keymap or DEFAULT_CALL_KEYMAP).items()}

    def parse(self, verb: str, args: list[str], seq: int) -> KeypadEvent:
        if verb != "CALL":
            raise ProtocolError("BADVERB", verb)
        if len(args) not in (2, 3):
            raise ProtocolError("BADARGS", " ".join(args))
        window, key = args[0], args[1].upper()
        if self.window is not None and window != self.window:
            raise ProtocolError("BADWIN", window)
        if key not in self.keymap:
            raise ProtocolError("BADKEY", key)
        action = self.keymap[key]
        target = args[2] if len(args) == 3 else None
        if (action is CallAction.TRANSFER) != (target is not None):
            raise ProtocolError("BADARGS", "transfer needs a target, other keys take none")
        return CallCommand(
            device=self.name,
            window=window,
            action=action,
            key=key,
            seq=seq,
            idempotency_key=self.idempotency_key(seq),
            target=target,
        )
