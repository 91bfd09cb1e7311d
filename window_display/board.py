"""The hall board (大厅综合屏): "now calling" banner flashing the newest call, a grid of
windows with their current numbers, waiting counts by stream and by item group, average
wait, the manager's scrolling notices, date and time. Landscape or portrait.

Layout in ``kv/board.kv``; this class turns a :class:`HallModel` into what it shows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from pathlib import Path
from typing import Any

from kivy.factory import Factory
from kivy.graphics import ClearBuffers, ClearColor
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from .hallclock import date_text, hall_now, time_text, zone
from .layout import grid_columns
from .model import STREAM_NAMES, Call, HallModel, minutes
from .notices import PAGE_SECONDS, pages
from .prerender import TEXTURES  # also registers PreparedLabel and loads the shared kv (common.kv)

KV_DIR = Path(__file__).parent / "kv"
Builder.load_file(str(KV_DIR / "board.kv"))

BOARD_BG = (0.03, 0.08, 0.18, 1)
BANNER_BG = (0.45, 0.05, 0.08, 1)
BANNER_FLASH = (0.85, 0.12, 0.12, 1)
FLASH_SECONDS = 6.0
CELL_CALLED = (0.70, 0.10, 0.10, 1)
CELL_SERVING = (0.05, 0.36, 0.20, 1)
CELL_IDLE = (0.08, 0.18, 0.36, 1)
CELL_CLOSED = (0.25, 0.25, 0.28, 1)
CELL_NUMBER = (1, 0.92, 0.2, 1)
CELL_LAST = (0.62, 0.66, 0.74, 1)  # a paused or closed window's last number, dimmed
LAST_CALLS = 10  # rows of the last calls list (--last-calls)
ROW_NEWEST = (1, 0.92, 0.2, 1)
ROW_OLDER = (0.88, 0.92, 1, 1)
STATE_NAMES = {"paused": "暂停服务 Paused", "closed": "已关闭 Closed"}


class WindowCell(BoxLayout):
    title = StringProperty("")
    number = StringProperty("")
    status = StringProperty("")
    bg = ColorProperty(CELL_IDLE)
    number_color = ColorProperty(CELL_NUMBER)


def call_row(call: Call) -> str:
    """A line of the last calls list: 「A012 → 3号窗口」, a recall marked 「再次」."""
    mark = "  再次 Recall" if call.kind == "recall" else ""
    return f"{call.number}  →  {call.window}号窗口{mark}"


def banner_for(call: Call | None) -> str:
    if call is None:
        return "请留意叫号   Please listen for your number"
    zh = "请" if call.kind == "call" else "再次请"
    return (
        f"{zh} {call.number} 号到 {call.window} 号窗口办理\n"
        f"Number {call.number}, please go to window {call.window}"
    )


class HallBoard(BoxLayout):
    portrait = BooleanProperty(False)
    hall_text = StringProperty("政务服务中心  Government Service Centre")
    clock_text = StringProperty("")
    banner_text = StringProperty(banner_for(None))
    banner_bg = ColorProperty(BANNER_BG)
    waiting_text = StringProperty("")
    groups_text = StringProperty("")
    notices_text = StringProperty("")
    lost = BooleanProperty(False)  # the connection was lost (not: still connecting)
    link_state = StringProperty("connecting")
    shown_version = NumericProperty(-1)
    grid_cols = NumericProperty(4)
    last_calls = NumericProperty(LAST_CALLS)

    def __init__(self, **kw):  # type: ignore[no-untyped-def]
        super().__init__(**kw)
        # The board is the whole screen: cleared to its colour, a fast path in software GL
        # (7 ms of CPU at 1920×1080), rather than covered by a rectangle, which llvmpipe blends
        # pixel by pixel (25 ms). In kv the clear cannot be written (ClearColor takes
        # positional arguments only).
        self.canvas.before.insert(0, ClearBuffers(clear_color=True))
        self.canvas.before.insert(0, ClearColor(*BOARD_BG))
        self.cells: dict[int, WindowCell] = {}
        self.rows: list[Any] = []  # the last calls list's rows, newest first
        self._flash_until = 0.0
        self._last_call: Call | None = None
        self._tz: dt.tzinfo = zone(None)
        self._notices: list[dict[str, str]] = []
        self._pages: list[str] = []
        self._pages_em = 0.0  # the strip's width the pages were cut for
        self._page = 0
        self._page_at = 0.0
        self._jobs: deque[tuple[Any, str]] = deque()

    # ---------------------------------------------------------------- prepared text
    def prepare(self, model: HallModel, number: str, stream: str) -> None:
        """Queue the textures a call of ``number`` will show: its cell and the banner for each window
        of its stream that is not closed. Rendered by :meth:`work` in idle time."""
        windows = [n for n, w in sorted(model.windows.items())
                   if w.status != "closed" and (not stream or w.stream == stream) and n in self.cells]
        if not windows:
            return
        self._jobs.append((self.cells[windows[0]].ids.number, number))
        for n in windows:
            self._jobs.append((self.ids.banner, banner_for(Call(number, n))))

    def has_work(self) -> bool:
        """Textures are queued to be prepared (the loop then does not sleep)."""
        return bool(self._jobs)

    def work(self, budget_s: float = 0.008) -> int:
        """Render queued textures for at most ``budget_s``; returns how many were rendered."""
        done, end = 0, time.perf_counter() + budget_s
        while self._jobs and time.perf_counter() < end:
            label, text = self._jobs.popleft()
            done += TEXTURES.prepare(label, text)
        return done

    def has_news(self, model: HallModel) -> bool:
        """A call or recall not shown yet, or the link's state changed: shown at once (the app
        leaves the rest to the next tick)."""
        return model.latest_call != self._last_call or model.link_state != self.link_state

    def refresh(self, model: HallModel, *, force: bool = False) -> bool:
        if not force and model.version == self.shown_version:
            return False
        self.shown_version = model.version
        self.link_state = model.link_state
        self.lost = self.link_state == "lost"
        if model.hall_name:
            self.hall_text = f"{model.hall_name['zh']}  {model.hall_name['en']}"
        self._cells(model)
        self._last_calls(model)
        call = model.latest_call
        if call is not None and call != self._last_call:
            self._flash_until = _mono() + FLASH_SECONDS
        self._last_call = call
        self.banner_text = banner_for(call)
        self.waiting_text = self._waiting(model)
        self.groups_text = self._groups(model)
        self._tz = model.tz
        if model.notices != self._notices:
            self._notices = [dict(n) for n in model.notices]
            self._pages, self._page, self._page_at = [], 0, _mono()
        self._show_page()
        self._show_clock()
        return True

    def tick(self, dt_s: float = 0.0, now: dt.datetime | None = None) -> None:
        """The clock, the banner's flash after a call and the notices' pages: a property is set
        only when what it shows changes, so a board with nothing new draws nothing."""
        self._show_clock(now)
        if _mono() < self._flash_until:
            self.banner_bg = BANNER_FLASH if int(_mono() * 2) % 2 == 0 else BANNER_BG
        else:
            self.banner_bg = BANNER_BG
        if self._pages and _mono() - self._page_at >= PAGE_SECONDS:
            self._page, self._page_at = (self._page + 1) % len(self._pages), _mono()
        self._show_page()

    def _show_clock(self, now: dt.datetime | None = None) -> None:
        t = hall_now(self._tz, now)
        self.clock_text = f"{date_text(t)}  {time_text(t)}"

    def _show_page(self) -> None:
        strip = self.ids.ticker
        width_em = strip.width * 0.95 / max(1.0, strip.font_size)
        if not self._pages or width_em != self._pages_em:  # new notices (refresh empties them) or a new width
            self._pages, self._pages_em = pages(self._notices, width_em), width_em
            self._page %= len(self._pages)
        self.notices_text = self._pages[self._page]

    def fit_grid(self) -> None:
        """The grid's columns for its windows and its size (layout.grid_columns)."""
        grid = self.ids.grid
        self.grid_cols = grid_columns(max(1, len(self.cells)), grid.width, grid.height)

    def _last_calls(self, model: HallModel) -> None:
        box = self.ids.last_calls
        if len(self.rows) != int(self.last_calls):
            box.clear_widgets()
            header = Factory.LastCallRow(text="最近叫号 Last calls: 号码 → 窗口 number → window", bold=False,
                                         color=(0.75, 0.85, 1, 1))
            box.add_widget(header)
            self.rows = [Factory.LastCallRow() for _ in range(int(self.last_calls))]
            for row in self.rows:
                box.add_widget(row)
        for i, row in enumerate(self.rows):
            call = model.calls[i] if i < len(model.calls) else None
            row.text = call_row(call) if call else ""
            row.tint = ROW_NEWEST if i == 0 else ROW_OLDER

    def _cells(self, model: HallModel) -> None:
        grid = self.ids.grid
        numbers = sorted(model.windows)
        if list(self.cells) != numbers:
            grid.clear_widgets()
            self.cells = {}
            for n in numbers:
                cell = WindowCell()
                self.cells[n] = cell
                grid.add_widget(cell)
            self.fit_grid()
        for n in numbers:
            w, cell = model.windows[n], self.cells[n]
            cell.title = f"{n}号窗口 Window {n}"
            kind = f"{w.kind_zh} {w.kind_en}"
            if w.status != "open":
                # the state in words, the last number kept: a visitor called just before the
                # pause still finds where they were called
                cell.number = w.recent[0] if w.recent else "—"
                cell.bg, cell.number_color = CELL_CLOSED, CELL_LAST
                kind = STATE_NAMES.get(w.status, w.status)
            elif w.current:
                cell.number = w.current["number"]
                cell.bg = CELL_CALLED if w.current.get("state") == "called" else CELL_SERVING
                cell.number_color = CELL_NUMBER
            else:
                cell.number, cell.bg, cell.number_color = "—", CELL_IDLE, (0.6, 0.65, 0.75, 1)
            cell.status = kind

    @staticmethod
    def _waiting(model: HallModel) -> str:
        lines = [f"等候人数 Waiting: {model.waiting_total}"]
        for stream, n in sorted(model.waiting_by_stream.items()):
            zh, en = STREAM_NAMES.get(stream, (stream, stream))
            lines.append(f"{zh} {en}: {n}")
        for stream, s in sorted(model.avg_wait_s.items()):
            zh, en = STREAM_NAMES.get(stream, (stream, stream))
            lines.append(f"平均等候 {zh} Avg. wait: {minutes(s)} 分钟 min")
        return "\n".join(lines)

    @staticmethod
    def _groups(model: HallModel) -> str:
        groups = model.waiting_by_group()[:8]
        if not groups:
            return "各类事项等候 Waiting by service\n—"
        return "各类事项等候 Waiting by service\n" + "\n".join(f"{zh} {en}: {n}" for zh, en, n in groups)


def _mono() -> float:
    return time.monotonic()
