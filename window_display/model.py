"""The display model: what the window screens and the hall board show, without Kivy.

``HallModel.load_snapshot(body)`` takes a ``queue.snapshot`` reply body; ``apply(event)``
takes a sequenced event (as :class:`protocol.CloneSubscriber` delivers it) and returns the
calls to announce. Both are pure and fast: the UI reads the model after each change.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .hallclock import zone

RECENT_CALLS = 6  # as the engine keeps them
KEPT_CALLS = 50  # the board's last calls list shows the newest of these
EMA_WEIGHT = 0.1  # the engine's moving average of waiting time

KIND_NAMES = {
    "comprehensive": ("综合窗口", "Comprehensive"),
    "dedicated": ("专窗", "Dedicated"),
    "enterprise": ("法人窗口", "Enterprise"),
    "green_channel": ("绿色通道", "Green channel"),
}
STREAM_NAMES = {"citizen": ("自然人", "Citizens"), "enterprise": ("法人", "Enterprises")}
STATUS_NAMES = {"open": ("服务中", "Open"), "paused": ("暂停服务", "Paused"), "closed": ("暂停服务", "Closed")}


@dataclass(frozen=True, slots=True)
class Call:
    """A number to announce: ``kind`` is ``call`` or ``recall``."""

    number: str
    window: int
    kind: str = "call"
    ticket: str = ""
    at: str = ""


@dataclass(slots=True)
class WindowState:
    number: int
    name: str = ""
    kind: str = "comprehensive"
    stream: str = "citizen"
    items: list[str] = field(default_factory=list)
    status: str = "closed"
    pause_reason: str | None = None
    clerk: dict[str, str] | None = None
    current: dict[str, Any] | None = None
    recent: list[str] = field(default_factory=list)

    @classmethod
    def from_view(cls, v: dict[str, Any]) -> WindowState:
        return cls(
            number=int(v["number"]),
            name=v.get("name") or "",
            kind=v.get("kind") or "comprehensive",
            stream=v.get("stream") or "citizen",
            items=list(v.get("items") or []),
            status=v.get("status") or "closed",
            pause_reason=v.get("pause_reason"),
            clerk=dict(v["clerk"]) if v.get("clerk") else None,
            current=dict(v["current"]) if v.get("current") else None,
            recent=list(v.get("recent") or []),
        )

    @property
    def kind_zh(self) -> str:
        return KIND_NAMES.get(self.kind, (self.kind, self.kind))[0]

    @property
    def kind_en(self) -> str:
        return KIND_NAMES.get(self.kind, (self.kind, self.kind))[1]

    @property
    def current_number(self) -> str | None:
        return self.current["number"] if self.current else None


class HallModel:
    """Live state of one hall for displays (see the module docstring)."""

    def __init__(self, hall: str | None = None) -> None:
        self.hall = hall
        self.epoch: str | None = None
        self.seq = 0
        self.loaded = False
        self.windows: dict[int, WindowState] = {}
        self.waiting_total = 0
        self.waiting_by_stream: dict[str, int] = {}
        self.waiting_by_item: dict[str, int] = {}
        self.avg_wait_s: dict[str, float] = {}
        self.avg_service_s: dict[str, float] = {}
        self.notices: list[dict[str, str]] = []
        self.clerks: dict[str, dict[str, str]] = {}  # id -> {id, name, staff_no}, learnt from snapshots
        self.calls: list[Call] = []  # newest first, the board's banner and history
        self.version = 0  # +1 on every change: the UI redraws when it moves
        self.connected = False
        # What is known of waiting tickets: id -> (item, stream); prefix letter -> stream.
        self._waiting: dict[str, tuple[str, str]] = {}
        self._prefix_stream: dict[str, str] = {}
        # Catalogue: item code -> {"zh", "en", "stream", "theme"}; theme code -> {"zh","en"}.
        self.items: dict[str, dict[str, str]] = {}
        self.themes: dict[str, dict[str, str]] = {}
        self.hall_name: dict[str, str] | None = None
        self.tz: dt.tzinfo = zone(None)  # the hall's time zone, from hall.info (hallclock.py)
        # The hall's configured name (config/hall.yaml, ``hall.info``) wins over the catalogue's
        # ``hall_name``: one catalogue may serve several halls, each with its own name.
        self._configured_name = False

    # ------------------------------------------------------------------ loading
    def load_catalogue(self, document: dict[str, Any]) -> None:
        items = {}
        for it in document.get("items") or []:
            name = it.get("name") or {}
            items[it["code"]] = {
                "zh": name.get("zh", it["code"]),
                "en": name.get("en", it["code"]),
                "stream": it.get("stream", ""),
                "theme": it.get("theme", ""),
            }
        themes = {}
        raw = document.get("themes") or {}
        pairs = raw.items() if isinstance(raw, dict) else ((t.get("code"), t.get("name")) for t in raw)
        for code, name in pairs:
            name = name if isinstance(name, dict) else {}
            themes[str(code)] = {"zh": name.get("zh", str(code)), "en": name.get("en", str(code))}
        name = document.get("hall_name")
        if isinstance(name, dict) and name.get("zh") and not self._configured_name:
            self.hall_name = {"zh": name["zh"], "en": name.get("en", "")}  # until the server names it
        self.items, self.themes = items, themes
        self.version += 1

    def load_hall_info(self, info: dict[str, Any]) -> None:
        """A ``hall.info`` reply: the hall's own name, shown instead of the catalogue's."""
        if info.get("timezone"):
            self.tz = zone(str(info["timezone"]))
            self.version += 1
        name = info.get("name")
        if isinstance(name, dict) and name.get("zh"):
            self.hall_name = {"zh": name["zh"], "en": name.get("en") or ""}
            self._configured_name = True
            self.version += 1

    def load_snapshot(self, body: dict[str, Any]) -> list[Call]:
        """Replace the state with a snapshot; returns calls made while we were not listening.

        On the first snapshot nothing is announced (those visitors were called already). On a
        re-sync, a window whose current ticket changed to a newly *called* one is announced:
        a call whose event was lost is still heard.
        """
        state = body.get("state") or {}
        old = {n: w.current_number for n, w in self.windows.items()}
        had_state = self.loaded
        self.epoch = body.get("epoch")
        self.seq = int(body.get("seq") or 0)
        self.windows = {int(v["number"]): WindowState.from_view(v) for v in state.get("windows") or []}
        self.waiting_total = int(state.get("waiting_total") or 0)
        self.waiting_by_stream = dict(state.get("waiting_by_stream") or {})
        self.waiting_by_item = dict(state.get("waiting_by_item") or {})
        self.avg_wait_s = {k: float(v) for k, v in (state.get("avg_wait_s") or {}).items()}
        self.avg_service_s = {k: float(v) for k, v in (state.get("avg_service_s") or {}).items()}
        self.notices = [dict(n) for n in state.get("notices") or []]
        for w in self.windows.values():
            if w.clerk and w.clerk.get("id"):
                self.clerks[w.clerk["id"]] = dict(w.clerk)
        self._waiting = {}
        for t in state.get("waiting") or []:
            self._waiting[t["id"]] = (t.get("item_code", ""), t.get("stream", ""))
            self._learn_prefix(t.get("number", ""), t.get("stream", ""))
        self.loaded = True
        missed: list[Call] = []
        if had_state:
            for n, w in sorted(self.windows.items()):
                cur = w.current
                if cur and cur.get("state") == "called" and cur.get("number") != old.get(n):
                    missed.append(Call(cur["number"], n, "call", cur.get("id", "")))
        for c in reversed(missed):
            self._remember(c)
        if not self.calls:  # a fresh display: the banner shows the calls known, newest first
            called = [(w.current.get("called_at") or 0, n, w.current) for n, w in self.windows.items()
                      if w.current and w.current.get("state") == "called"]
            for _at, n, cur in sorted(called, key=lambda x: (-x[0], x[1])):
                self.calls.append(Call(cur["number"], n, "call", cur.get("id", "")))
        self.version += 1
        return missed

    # ------------------------------------------------------------------- events
    def apply(self, event: dict[str, Any]) -> list[Call]:
        """Apply one sequenced event; returns the calls to announce (0 or 1)."""
        kind = event.get("type", "")
        d = event.get("data") or {}
        if event.get("seq"):
            self.seq = int(event["seq"])
        handler = _HANDLERS.get(kind)
        out = handler(self, d, event) if handler else []
        self.version += 1
        return out or []

    def _on_issued(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        item, stream = d.get("item", ""), d.get("stream", "")
        self._learn_prefix(d.get("number", ""), stream)
        self._join(d.get("ticket", ""), item, stream)
        return []

    def _on_called(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        tid, number = d.get("ticket", ""), d.get("number", "")
        item, stream = self._waiting.pop(tid, (d.get("item", ""), self.stream_of(number, d.get("item", ""))))
        self._count(item, stream, -1)
        w = self._window(d["window"])
        w.current = {"id": tid, "number": number, "item_code": d.get("item", item), "state": "called"}
        w.recent.insert(0, number)
        del w.recent[RECENT_CALLS:]
        waited = d.get("waited_s")
        if waited is not None and stream:
            prev = self.avg_wait_s.get(stream, float(waited))
            self.avg_wait_s[stream] = prev + EMA_WEIGHT * (float(waited) - prev)
        call = Call(number, w.number, "call", tid, e.get("at", ""))
        self._remember(call)
        return [call]

    def _on_recalled(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        call = Call(d.get("number", ""), int(d["window"]), "recall", d.get("ticket", ""), e.get("at", ""))
        self._remember(call)
        return [call]

    def _on_started(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self._window(d["window"])
        if w.current and w.current.get("id") == d.get("ticket"):
            w.current["state"] = "serving"
        return []

    def _on_finished(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self.windows.get(int(d.get("window") or 0))
        if w is not None and w.current and w.current.get("id") == d.get("ticket"):
            w.current = None
        return []

    def _on_transferred(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self.windows.get(int(d["from_window"]))
        item = d.get("to_item") or ""
        if w is not None and w.current and w.current.get("id") == d.get("ticket"):
            item = item or w.current.get("item_code", "")
            w.current = None
        stream = self.stream_of(d.get("number", ""), item)
        self._join(d.get("ticket", ""), item, stream)
        return []

    def _on_requeued(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        """Called, never came: back in line (顺延) and off the window's screen."""
        w = self.windows.get(int(d.get("window") or 0))
        item = d.get("item") or ""
        if w is not None and w.current and w.current.get("id") == d.get("ticket"):
            item = item or w.current.get("item_code", "")
            w.current = None
        self._join(d.get("ticket", ""), item, d.get("stream") or self.stream_of(d.get("number", ""), item))
        return []

    def _on_cancelled(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        tid = d.get("ticket", "")
        item, stream = self._waiting.pop(tid, ("", self.stream_of(d.get("number", ""), "")))
        self._count(item, stream, -1)
        return []

    def _on_signed_in(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self._window(d["window"])
        w.status, w.pause_reason = "open", None
        clerk = d.get("clerk")
        if clerk and d.get("clerk_name"):  # newer servers name the clerk in the event
            self.clerks[clerk] = {"id": clerk, "name": d["clerk_name"], "staff_no": d.get("staff_no") or "",
                                  "phone": d.get("phone") or ""}
        if not w.clerk or w.clerk.get("id") != clerk or clerk in self.clerks:
            w.clerk = dict(self.clerks.get(clerk) or {"id": clerk, "name": "", "staff_no": ""}) if clerk else None
        return []

    def _on_signed_out(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self._window(d["window"])
        w.status, w.clerk = "closed", None
        return []

    def _on_paused(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self._window(d["window"])
        w.status, w.pause_reason = "paused", d.get("reason") or None
        return []

    def _on_resumed(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        w = self._window(d["window"])
        w.status, w.pause_reason = "open", None
        return []

    def _on_notices(self, d: dict[str, Any], e: dict[str, Any]) -> list[Call]:
        self.notices = [dict(n) for n in d.get("notices") or []]
        return []

    # ------------------------------------------------------------------ helpers
    def _window(self, number: Any) -> WindowState:
        n = int(number)
        w = self.windows.get(n)
        if w is None:
            w = self.windows[n] = WindowState(number=n)
        return w

    def _learn_prefix(self, number: str, stream: str) -> None:
        prefix = number.rstrip("0123456789")
        if prefix and stream:
            self._prefix_stream[prefix] = stream

    def stream_of(self, number: str, item: str = "") -> str:
        """The stream of a ticket, from its item (catalogue) or its number's prefix."""
        if item in self.items and self.items[item].get("stream"):
            return self.items[item]["stream"]
        return self._prefix_stream.get(number.rstrip("0123456789"), "")

    def _join(self, tid: str, item: str, stream: str) -> None:
        if tid:
            self._waiting[tid] = (item, stream)
        self._count(item, stream, +1)

    def _count(self, item: str, stream: str, delta: int) -> None:
        self.waiting_total = max(0, self.waiting_total + delta)
        if stream:
            self.waiting_by_stream[stream] = max(0, self.waiting_by_stream.get(stream, 0) + delta)
        if item:
            n = self.waiting_by_item.get(item, 0) + delta
            if n > 0:
                self.waiting_by_item[item] = n
            else:
                self.waiting_by_item.pop(item, None)

    def _remember(self, call: Call) -> None:
        self.calls.insert(0, call)
        del self.calls[KEPT_CALLS:]

    # ------------------------------------------------------------------- views
    @property
    def link_state(self) -> str:
        """``connecting`` until the first snapshot, then ``live`` or ``lost`` (no heartbeat)."""
        if not self.loaded:
            return "connecting"
        return "live" if self.connected else "lost"

    @property
    def latest_call(self) -> Call | None:
        return self.calls[0] if self.calls else None

    def window(self, number: int) -> WindowState:
        return self.windows.get(number) or WindowState(number=number)

    def item_name(self, code: str) -> tuple[str, str]:
        it = self.items.get(code)
        return (it["zh"], it["en"]) if it else (code, code)

    def waiting_by_group(self) -> list[tuple[str, str, int]]:
        """Waiting counts by item group (catalogue theme), largest first: (zh, en, count)."""
        groups: dict[str, int] = {}
        for code, n in self.waiting_by_item.items():
            theme = self.items.get(code, {}).get("theme") or ""
            groups[theme] = groups.get(theme, 0) + n
        out = []
        for theme, n in groups.items():
            name = self.themes.get(theme)
            zh, en = (name["zh"], name["en"]) if name else (("其他", "Other") if not theme else (theme, theme))
            out.append((zh, en, n))
        out.sort(key=lambda x: (-x[2], x[0]))
        return out

    def copy(self) -> HallModel:
        return copy.deepcopy(self)


def minutes(seconds: float) -> int:
    return round(seconds / 60)


_HANDLERS = {
    "ticket.issued": HallModel._on_issued,
    "ticket.called": HallModel._on_called,
    "ticket.recalled": HallModel._on_recalled,
    "ticket.started": HallModel._on_started,
    "ticket.no_show": HallModel._on_finished,
    "ticket.completed": HallModel._on_finished,
    "ticket.transferred": HallModel._on_transferred,
    "ticket.requeued": HallModel._on_requeued,
    "ticket.cancelled": HallModel._on_cancelled,
    "window.signed_in": HallModel._on_signed_in,
    "window.signed_out": HallModel._on_signed_out,
    "window.paused": HallModel._on_paused,
    "window.resumed": HallModel._on_resumed,
    "hall.notices": HallModel._on_notices,
}
