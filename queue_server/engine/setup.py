"""Changing a running hall's windows and rules (``setup.apply``): pure, on the engine.

A window's definition (kind, stream, items, name) is swapped under its live state (status,
clerk, current visitor, recent calls): waiting tickets sit in their item's and stream's lanes
(``lanes``), never in a window's, so the window calls from its new lanes at its next call
and nobody waiting moves. A new window starts closed, as every window does at start-up.

A window is never taken away here: the day's events name it and a restart replays them from
the last checkpoint, with the windows of the database. The time zone stays too: every stored
day and slot was reckoned in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .errors import EngineError, conflict
from .hall import HallEngine
from .model import HallRules, Window, WindowDef


def windows_left_out(engine: HallEngine, windows: Iterable[WindowDef]) -> list[int]:
    """The numbers of windows the new set-up leaves out (each a refusal)."""
    given = {w.number for w in windows}
    return sorted(n for n in engine.windows if n not in given)


def window_changes(engine: HallEngine, windows: Sequence[WindowDef]) -> tuple[list[int], list[int]]:
    """(changed, added): the numbers of windows whose definition the new set-up changes, and
    of the windows it adds, each in order."""
    changed = sorted(d.number for d in windows if d.number in engine.windows and engine.windows[d.number].defn != d)
    added = sorted(d.number for d in windows if d.number not in engine.windows)
    return changed, added


def reconfigure(engine: HallEngine, rules: HallRules, windows: Iterable[WindowDef]) -> tuple[list[int], list[int]]:
    """Put the rules and windows in force. Returns (changed, added) window numbers. Raises
    before changing anything when a window would go or the time zone would change."""
    windows = list(windows)
    gone = windows_left_out(engine, windows)
    if gone:
        raise conflict(
            f"windows {', '.join(map(str, gone))} cannot be removed while the hall runs: close them, or remove "
            "them from the configuration file and run init",
            f"运行中的大厅不能删除窗口 {'、'.join(map(str, gone))}：可将其关闭，或在配置文件中删除后运行 init",
            windows=gone,
        )
    if rules.timezone != engine.rules.timezone or rules.hall != engine.rules.hall:
        raise EngineError(
            "bad_request",
            "the time zone and hall code are set in the configuration file only",
            "时区和大厅编码只能在配置文件中设置",
        )
    changed, added = window_changes(engine, windows)
    for defn in windows:
        w = engine.windows.get(defn.number)
        if w is None:
            engine.windows[defn.number] = Window(defn)
        else:
            w.defn = defn
    in_order = sorted(engine.windows.items())  # in place: views and the loop hold the dict
    engine.windows.clear()
    engine.windows.update(in_order)
    engine.rules = rules
    return changed, added
