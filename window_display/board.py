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

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from .model import STREAM_NAMES, Call, HallModel, minutes
from .prerender import TEXTURES  # also registers PreparedLabel for the kv rules

KV_DIR = Path(__file__).parent / "kv"
Builder.load_file(str(KV_DIR / "common.kv"))
Builder.load_file(str(KV_DIR / "board.kv"))

BANNER_BG = (0.45, 0.05, 0.08, 1)
BANNER_FLASH = (0.85, 0.12, 0.12, 1)
FLASH_SECONDS = 6.0
WEEKDAYS = "一二三四五六日"
CELL_CALLED = (0.70, 0.10, 0.10, 1)
CELL_SERVING = (0.05, 0.36, 0.20, 1)
CELL_IDLE = (0.08, 0.18, 0.36, 1)
CELL_CLOSED = (0.25, 0.25, 0.28, 1)
CELL_NUMBER = (1, 0.92, 0.2, 1)


class WindowCell(BoxLayout):
    title = StringProperty("")
    number = StringProperty("")
    status = StringProperty("")
    bg = ColorProperty(CELL_IDLE)
    number_color = ColorProperty(CELL_NUMBER)


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
    lost = BooleanProperty(True)
    shown_version = NumericProperty(-1)

    def __init__(self, **kw):  # type: ignore[no-untyped-def]
        super().__init__(**kw)
        self.cells: dict[int, WindowCell] = {}
        self._flash_until = 0.0
        self._last_call: Call | None = None
        self._ticker_x = 0.0
        self._jobs: deque[tuple[Any, str, dict[str, Any]]] = deque()

    # ---------------------------------------------------------------- prepared text
    def prepare(self, model: HallModel, number: str, stream: str) -> None:
        """Queue the textures a call of ``number`` will show: its cell and the banner for each window
        of its stream that is not closed. Rendered by :meth:`work` in idle time."""
        windows = [n for n, w in sorted(model.windows.items())
                   if w.status != "closed" and (not stream or w.stream == stream) and n in self.cells]
        if not windows:
            return
        self._jobs.append((self.cells[windows[0]].ids.number, number, {"color": CELL_NUMBER}))
        for n in windows:
            self._jobs.append((self.ids.banner, banner_for(Call(number, n)), {}))

    def work(self, budget_s: float = 0.008) -> int:
        """Render queued textures for at most ``budget_s``; returns how many were rendered."""
        done, end = 0, time.perf_counter() + budget_s
        while self._jobs and time.perf_counter() < end:
            label, text, props = self._jobs.popleft()
            done += TEXTURES.prepare(label, text, **props)
        return done

    def refresh(self, model: HallModel, *, force: bool = False) -> bool:
        if not force and model.version == self.shown_version:
            return False
        self.shown_version = model.version
        self.lost = not model.connected
        if model.hall_name:
            self.hall_text = f"{model.hall_name['zh']}  {model.hall_name['en']}"
        self._cells(model)
        call = model.latest_call
        if call is not None and call != self._last_call:
            self._last_call = call
            self._flash_until = _mono() + FLASH_SECONDS
        self.banner_text = banner_for(call)
        self.waiting_text = self._waiting(model)
        self.groups_text = self._groups(model)
        notices = "        ".join(f"{n.get('zh', '')}  {n.get('en', '')}" for n in model.notices)
        self.notices_text = notices or "欢迎来到政务服务中心  Welcome to the Government Service Centre"
        return True

    def tick(self, dt_s: float, now: dt.datetime | None = None) -> None:
        """Clock (each second is enough), banner flash, notices scrolling."""
        now = now or dt.datetime.now()
        self.clock_text = f"{now:%Y年%m月%d日} 星期{WEEKDAYS[now.weekday()]}  {now:%H:%M:%S}"
        if _mono() < self._flash_until:
            self.banner_bg = BANNER_FLASH if int(_mono() * 2) % 2 == 0 else BANNER_BG
        else:
            self.banner_bg = BANNER_BG
        box, label = self.ids.ticker_box, self.ids.ticker
        self._ticker_x -= 120 * dt_s
        if self._ticker_x < -label.width:
            self._ticker_x = box.width
        label.x = box.x + self._ticker_x

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
        for n in numbers:
            w, cell = model.windows[n], self.cells[n]
            cell.title = f"{n}号窗口 Window {n}"
            kind = f"{w.kind_zh} {w.kind_en}"
            if w.status != "open":
                cell.number, cell.bg = "暂停服务", CELL_CLOSED
                cell.number_color = (0.8, 0.8, 0.85, 1)
                kind = "Paused" if w.status == "paused" else "Closed"
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
