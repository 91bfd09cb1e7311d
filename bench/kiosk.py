"""Kiosk benchmark: start-up, card placed → ticket printed, frame time while scrolling, and
idle CPU; each figure beside a baseline run in the same go. Figures only, no assertions.

A real queue server process (CURVE, SQLite) on 127.0.0.1; every device a simulator: the ID
card reader at 115200 baud (its real line speed), the ticket printer taking bytes in at 115200
baud (``PrinterSimulator(baud=)``; printing itself, mm/s, is not paced), scanner, synthetic
camera.

1. Cold start: a fresh ``python -m kiosk --config FILE`` process, from just before it is
   spawned to its first frame drawn on the home screen, and to "ready" (connected, catalogue in
   hand), as the kiosk reports with ``KIOSK_STARTUP_MARKS=1``. One unmeasured start first (the
   OS's file cache, the catalogue cache in the state directory: a kiosk's daily start).
   Baseline: a bare Kivy App with one Label, started and marked the same way.
2. Card → ticket: the real app in this process (``tests/kiosk/rig.py``, offscreen) on the
   confirm screen of an item; the card placed on the reader simulator; 确认取号 tapped the frame
   the screen shows the card holder signed in; until the printer simulator has cut the page.
   Baseline: the same card read with the reader's driver (``SamReader``), the same
   ``ticket.issue`` (``HallClient``) and the same slip sent with ``EscPosPrinter`` to a
   second printer simulator at the same baud rate, from a plain loop without the UI.
3. Frames while the longest guide (screen ``guide``) scrolls: ``scroll_y`` moved every frame,
   frames paced at 60 fps; each frame split into the app's own time (``Clock.tick`` with the
   clock's sleep switched off, input, ``Builder.sync``, ``Clock.tick_draw``) and the renderer's
   (``on_draw`` + ``on_flip`` + ``glFinish``). Beside it: frames in which nothing changed.
4. Idle CPU: the kiosk process of the last start of (1), on its home screen, its CPU time
   (user + system, psutil) over a window after start-up settled, as % of one core; threads
   named. Baseline: the bare Kivy app's process, the same way.

    .venv/bin/python bench/kiosk.py [--quick] [--starts 5] [--tickets 40] [--frames 300] [--idle 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
MARK = "KIOSK-MARK"
CARD = "resident_fingerprint"  # born 1985: no elder-mode offer over the screen (read without its fingerprint)
TARGETS = {"start": 4.0, "ticket_p99": 1.5, "frame_p99_ms": 8.0, "idle_cpu": 5.0}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ------------------------------------------------------------------ the bare Kivy app (child)
def bare_app() -> None:
    """An empty App with one Label, marked as the kiosk marks itself (its home is its first frame)."""
    from window_display.kivyenv import prepare_environment

    prepare_environment()
    from kivy.config import Config

    Config.set("graphics", "width", "1920")
    Config.set("graphics", "height", "1080")
    from kivy.app import App
    from kivy.core.window import Window
    from kivy.uix.label import Label

    drawn = [0]

    def threads(*_a: Any) -> None:
        names = {t.native_id: t.name for t in threading.enumerate()}
        print(f"{MARK} frames {drawn[0]}\n{MARK} threads {json.dumps(names)}", flush=True)

    def counted(*_a: Any) -> None:
        drawn[0] += 1

    def flipped(*_a: Any) -> None:
        now = time.time()
        print(f"{MARK} home {now:.6f}\n{MARK} ready {now:.6f}", flush=True)
        threads()
        Window.unbind(on_flip=flipped)

    signal.signal(signal.SIGUSR1, threads)

    class Bare(App):
        def build(self) -> Label:
            Window.bind(on_flip=flipped)
            Window.bind(on_flip=counted)
            return Label(text="bench")

    Bare().run()


# ------------------------------------------------------------------ (1) and (4): processes
def kiosk_toml(path: Path, hall: Any, state: Path) -> Path:
    keys = hall.var / "keys"
    path.write_text(f"""[kiosk]
id = "kiosk-1"
hall = "H01"
state_dir = "{state}"
[server]
router = "{hall.router}"
pub = "{hall.pub}"
server_key = "{keys / 'server.key'}"
secret_key = "{keys / 'devices' / 'kiosk-1.key_secret'}"
[printer]
target = "simulated"
profile = "generic-80"
[printer.a4]
target = "folder:{state / 'certificates'}"
[devices.idcard]
kind = "idcard"
port = "simulated"
poll_interval_s = 0.1
timeout_s = 0.5
[devices.scanner]
kind = "scanner"
port = "simulated"
[devices.camera]
kind = "camera"
source = "synthetic:page"
""")
    return path


class Started:
    """A process spawned now whose ``KIOSK-MARK`` lines are collected."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.marks: dict[str, Any] = {}
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.t0 = time.time()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not line.startswith(MARK):
                continue
            _, what, value = line.rstrip("\n").split(" ", 2)
            with self._cv:
                self.marks[what] = json.loads(value) if what == "threads" else float(value)
                self._cv.notify_all()

    def wait(self, what: str, timeout: float = 60) -> float:
        with self._cv:
            if not self._cv.wait_for(lambda: what in self.marks or self.proc.poll() is not None, timeout):
                raise TimeoutError(f"no {what} mark within {timeout} s")
        if what not in self.marks:
            raise RuntimeError(f"exited ({self.proc.returncode}) before its {what} mark: see {self.log.name}")
        return float(self.marks[what]) - self.t0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the kiosk stops its app: simulators closed, links removed
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                print(f"{self.proc.args[:3]} did not stop within 15 s: killed", file=sys.stderr)
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def native_name(pid: int, tid: int) -> str:
    """A thread Python does not know (a library's own: Mesa, ZeroMQ, SDL), by its OS name."""
    try:
        comm = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
    except OSError:
        comm = "?"
    return f"native thread {comm!r}"


SIMULATORS = ("IdCardReaderSimulator", "ScannerSimulator", "sim-printer", "sim-pty")


def idle_cpu(started: Started, window: float) -> dict[str, Any]:
    """CPU time of ``started``'s process over ``window`` seconds from now, by thread; frames drawn."""
    import psutil

    p = psutil.Process(started.proc.pid)
    names = {int(k): v for k, v in (started.marks.get("threads") or {}).items()}

    def ask_names() -> None:  # the kiosk names its threads on SIGUSR1 (so does the bare app)
        started.marks.pop("threads", None)
        p.send_signal(signal.SIGUSR1)
        with started._cv:
            started._cv.wait_for(lambda: "threads" in started.marks, 2)
        names.update({int(k): v for k, v in (started.marks.get("threads") or {}).items()})

    ask_names()
    f0 = started.marks.get("frames")
    c0, th0, w0 = p.cpu_times(), {t.id: t for t in p.threads()}, time.monotonic()
    while time.monotonic() < w0 + window:
        time.sleep(min(0.5, max(0.0, w0 + window - time.monotonic())))
        ask_names()
    c1, th1, w1 = p.cpu_times(), {t.id: t for t in p.threads()}, time.monotonic()
    wall = w1 - w0
    f1 = started.marks.get("frames")
    per: dict[str, float] = {}
    for tid, t in th1.items():
        before = th0.get(tid)
        used = t.user_time + t.system_time - ((before.user_time + before.system_time) if before else 0.0)
        name = names.get(tid) or native_name(p.pid, tid)
        per[name] = per.get(name, 0.0) + used
    total = (c1.user + c1.system) - (c0.user + c0.system)
    ended = total - sum(per.values())
    if ended > 0.005:
        per["threads that ended within the window"] = ended
    sims = sum(v for k, v in per.items() if k in SIMULATORS)
    return {"pct": 100 * total / wall, "wall": wall, "sims_pct": 100 * sims / wall,
            "frames": None if f0 is None or f1 is None else f1 - f0,
            "threads": sorted(((100 * v / wall, k) for k, v in per.items() if v > 0), reverse=True)}


def starts(hall: Any, tmp: Path, n: int, idle: float) -> dict[str, Any]:
    env = {**os.environ, "KIOSK_STARTUP_MARKS": "1", "KIVY_NO_CONSOLELOG": "1"}
    state = tmp / "kiosk-proc"
    state.mkdir()
    cfg = kiosk_toml(tmp / "kiosk.toml", hall, state)
    kiosk_cmd = [PY, "-m", "kiosk", "--config", str(cfg)]
    bare_cmd = [PY, str(Path(__file__).resolve()), "--bare-app"]
    out: dict[str, Any] = {"kiosk_home": [], "kiosk_ready": [], "bare": []}
    for i in range(n + 1):  # run 0 unmeasured: caches
        last = i == n
        for name, cmd in (("bare", bare_cmd), ("kiosk", kiosk_cmd)):
            s = Started(cmd, env, tmp / f"{name}-{i}.log")
            try:
                if name == "kiosk":
                    home, ready = s.wait("home"), s.wait("ready")
                    if i:
                        out["kiosk_home"].append(home)
                        out["kiosk_ready"].append(ready)
                else:
                    home = s.wait("home")
                    if i:
                        out["bare"].append(home)
                if last:
                    s.wait("ready")
                    out[f"{name}_tail"] = idle_cpu(s, 3.0)  # start-up's tail, right after ready
                    settled = 3.0
                    while idle_cpu(s, 1.0)["pct"] > 10 and settled < 20:
                        settled += 1.0
                    out[f"{name}_settled_s"] = settled
                    out[f"{name}_idle"] = idle_cpu(s, idle)
                else:
                    time.sleep(1.0)  # not stopped mid-start-up
            finally:
                s.stop()
    return out


# ------------------------------------------------------------------ (2) card → ticket
def frames_until(cond: Any, timeout: float = 10.0, rig: Any = None) -> Any:
    from kivy.base import EventLoop

    deadline = time.monotonic() + timeout
    while True:
        EventLoop.idle()  # the clock paces it at the app's 60 fps
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            where = f" (screen {rig.screen.name}: {rig.texts()})" if rig is not None else ""
            raise TimeoutError(f"not reached within {timeout} s{where}")


def touch(widget: Any) -> None:
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    t = UnitTestTouch(x, y)
    t.touch_down()
    t.touch_up()


def to_confirm(rig: Any) -> None:
    for text, screen in (("取号", "stream"), ("个人办事", "themes"), ("社会保障", "items"),
                         ("城乡居民养老保险参保登记", "confirm")):
        touch(rig.button(text))
        frames_until(lambda s=screen: rig.screen.name == s)


def card_to_ticket(rig: Any, runs: int) -> dict[str, list[float]]:
    printer = rig.sim.printer
    printer.baud = 115200
    cut: list[float] = []
    printer.on_page = lambda _page: cut.append(time.perf_counter())
    out: dict[str, list[float]] = {"total": [], "read": [], "tap_to_cut": []}
    for i in range(runs + 2):  # two unmeasured: first frames of each screen, fonts
        rig.app.end_visit()
        rig.sim.remove_card()
        frames_until(lambda: rig.app.visit.visitor is None)
        rig.settle(0.3)
        to_confirm(rig)
        pages = len(printer.pages)
        t0 = time.perf_counter()
        rig.sim.place_card(CARD)
        frames_until(lambda: rig.app.visit.visitor is not None
                     and rig.app.visit.visitor.name_masked in rig.screen.ids.card.text)
        t_read = time.perf_counter()
        if rig.overlays():
            raise RuntimeError(f"an overlay over the confirm screen: {rig.texts()}")
        touch(rig.button("确认取号"))
        t_tap = time.perf_counter()
        frames_until(lambda p=pages: len(printer.pages) > p and rig.app.visit.printed is not None, rig=rig)
        if i >= 2:
            out["total"].append(cut[-1] - t0)
            out["read"].append(t_read - t0)
            out["tap_to_cut"].append(cut[-1] - t_tap)
        touch(rig.button("完成"))
        frames_until(lambda: rig.screen.name == "home")
    return out


def baseline_ticket(hall: Any, tmp: Path, runs: int) -> dict[str, list[float]]:
    """Read, issue, print: the same work in a plain loop, no UI, no polling."""
    from zoneinfo import ZoneInfo

    from idcard.cardfile import SAMPLES_DIR
    from idcard.reader import SamReader
    from idcard.simulator import IdCardReaderSimulator
    from kiosk.slips import ticket_slip
    from printer import ticket as ticket_layout
    from printer.device import EscPosPrinter
    from printer.simulator import PrinterSimulator
    from printer.transports import SerialTransport
    from protocol import HallClient
    from protocol.keys import CurveClientKeys

    keys = hall.var / "keys"
    curve = CurveClientKeys.from_files(keys / "server.key", keys / "devices" / "kiosk-1.key_secret")
    client = HallClient(hall.router, curve=curve, timeout=5.0, retries=1)
    reader_sim = IdCardReaderSimulator([SAMPLES_DIR / f"{CARD}.json"], link=tmp / "b-reader")
    port = reader_sim.start()
    sim = PrinterSimulator("generic-80", tmp / "b-printed", baud=115200)
    printer = EscPosPrinter(SerialTransport(sim.start_pty(tmp / "b-printer"), 115200), "generic-80")
    reader = SamReader(port, 115200)
    reader.open()
    tz = ZoneInfo("Asia/Shanghai")
    out: dict[str, list[float]] = {"total": [], "read": [], "issue_print": []}
    try:
        for i in range(runs + 2):
            t0 = time.perf_counter()
            card = reader.read_card()
            t_read = time.perf_counter()
            ticket = client.request("ticket.issue", {"item_code": "C-SB-001", "id_number": card.id_number})
            printer.print_document(ticket_layout(ticket_slip(ticket, "bench", f"{hall.http}/t/{ticket['id']}", tz),
                                                 lang="zh+en"))
            sim.wait_pages(i + 1, timeout=10)
            t1 = time.perf_counter()
            if i >= 2:
                out["total"].append(t1 - t0)
                out["read"].append(t_read - t0)
                out["issue_print"].append(t1 - t_read)
    finally:
        reader.close()
        printer.close()
        sim.stop()
        reader_sim.stop()
        client.close()
    return out


# ------------------------------------------------------------------ (3) frames
def longest_guide(catalogue: Any) -> str:
    items = catalogue.document.get("items") or []
    best = max(items, key=lambda it: len(json.dumps(it.get("guide") or {}, ensure_ascii=False)))
    return str(best["code"])


def scroll_frames(rig: Any, n: int) -> dict[str, Any]:
    from kivy.base import EventLoop
    from kivy.clock import Clock
    from kivy.graphics.opengl import glFinish
    from kivy.lang import Builder

    app = rig.app
    app.end_visit()
    code = longest_guide(app.catalogue)
    app.visit.choose(stream="citizen")
    app.visit.choose(item_code=code)
    app.go("guide")
    app.refresh_current()
    frames_until(lambda: rig.screen.name == "guide")
    rig.settle(0.5)
    scroll = rig.screen.ids.scroll
    body = rig.screen.ids.body
    window = EventLoop.window
    max_fps, Clock._max_fps = Clock._max_fps, 0  # the clock's own sleep off: paced below, untimed
    period = 1 / 60

    def frame(change: Any) -> tuple[float, float]:
        start = time.perf_counter()
        if change is not None:
            change()
        Clock.tick()
        EventLoop.dispatch_input()
        Builder.sync()
        Clock.tick_draw()
        Builder.sync()
        mid = time.perf_counter()
        if window.canvas.needs_redraw:
            window.dispatch("on_draw")
            window.dispatch("on_flip")
            glFinish()
        end = time.perf_counter()
        time.sleep(max(0.0, period - (end - start)))
        return mid - start, end - mid

    try:
        step = 2.0 / n * 4  # up and down twice over the n frames
        pos = {"y": 1.0, "d": -step}

        def move() -> None:
            y = pos["y"] + pos["d"]
            if not 0.0 <= y <= 1.0:
                pos["d"] = -pos["d"]
                y = pos["y"] + pos["d"]
            pos["y"] = scroll.scroll_y = y

        for _ in range(20):
            frame(move)
        scrolling = [frame(move) for _ in range(n)]
        for _ in range(60):  # a second: the scroll bar's fade (0.5 s) ends
            frame(None)
        empty = [frame(None) for _ in range(n)]
    finally:
        Clock._max_fps = max_fps
    return {"code": code, "content_px": body.height, "view_px": scroll.height,
            "scroll_app": [a * 1e3 for a, _ in scrolling], "scroll_gl": [g * 1e3 for _, g in scrolling],
            "empty_app": [a * 1e3 for a, _ in empty], "empty_gl": [g * 1e3 for _, g in empty],
            "scroll_drawn": sum(1 for _, g in scrolling if g > 1e-3),
            "empty_drawn": sum(1 for _, g in empty if g > 1e-3)}


def gl_strings() -> str:
    from kivy.graphics.opengl import GL_RENDERER, GL_VENDOR, GL_VERSION, glGetString

    def s(v: int) -> str:
        b = glGetString(v)
        return b.decode() if isinstance(b, bytes) else str(b)

    return f"{s(GL_RENDERER)} ({s(GL_VENDOR)}; {s(GL_VERSION)})"


# ------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, short idle window (development)")
    ap.add_argument("--starts", type=int, default=None, help="measured starts of each app (default 5, quick 2)")
    ap.add_argument("--tickets", type=int, default=None, help="card → ticket runs (default 40, quick 8)")
    ap.add_argument("--frames", type=int, default=None, help="frames scrolled and empty (default 300, quick 90)")
    ap.add_argument("--idle", type=float, default=None, help="idle CPU window, s (default 20, quick 5)")
    ap.add_argument("--only", default="start,ticket,frames", help="parts: start (with idle), ticket, frames")
    ap.add_argument("--bare-app", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_app:
        bare_app()
        return
    q = args.quick
    n_starts = args.starts if args.starts is not None else (2 if q else 5)
    n_tickets = args.tickets if args.tickets is not None else (8 if q else 40)
    n_frames = args.frames if args.frames is not None else (90 if q else 300)
    idle = args.idle if args.idle is not None else (5.0 if q else 20.0)
    only = set(args.only.split(","))

    # Kivy offscreen, as the kiosk's tests have it, before anything imports it
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    from tests.support.hall import HallProcess

    tmp = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    hall = HallProcess(tmp / "hall", f"sqlite:///{tmp}/hall.db")
    (tmp / "hall").mkdir()
    hall.init()
    hall.enroll("kiosk-1")
    hall.start()
    results: dict[str, Any] = {}
    ok = False
    try:
        if "start" in only:
            results["starts"] = starts(hall, tmp, n_starts, idle)
        if only & {"ticket", "frames"}:
            from tests.kiosk.rig import KioskRig

            rig = KioskRig(hall, tmp / "kiosk-rig", idle_s=3600)
            try:
                results["gl"] = gl_strings()
                if "ticket" in only:
                    results["ticket"] = card_to_ticket(rig, n_tickets)
                    results["ticket_base"] = baseline_ticket(hall, tmp, n_tickets)
                if "frames" in only:
                    results["frames"] = scroll_frames(rig, n_frames)
            finally:
                rig.close()
    except BaseException:
        print(f"failed: logs kept in {tmp}", file=sys.stderr)
        raise
    else:
        ok = True
    finally:
        hall.stop()
    if ok:
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, n_starts, n_tickets, n_frames, idle)


def report(r: dict[str, Any], n_starts: int, n_tickets: int, n_frames: int, idle: float) -> None:
    print(f"kiosk benchmark, {dt.datetime.now().isoformat(timespec='seconds')}; {os.cpu_count()} CPUs (nproc "
          f"{len(os.sched_getaffinity(0))}), {cpu_model()}; Python {platform.python_version()}")
    if "gl" in r:
        print(f"renderer: {r['gl']}")
    if "starts" in r:
        s = r["starts"]
        print(f"\n== 1. cold start ({n_starts} starts each after one unmeasured; target < {TARGETS['start']:g} s)")
        for label, v in (("kiosk, first frame on home", s["kiosk_home"]), ("kiosk, ready (connected, catalogue)",
                                                                             s["kiosk_ready"]),
                         ("bare Kivy app, first frame (baseline)", s["bare"])):
            print(f"  {label:<40} median {statistics.median(v):6.2f} s  max {max(v):6.2f} s")
        base = statistics.median(s["bare"])
        print(f"  kiosk home / baseline: {statistics.median(s['kiosk_home']) / base:.1f}×, "
              f"ready / baseline: {statistics.median(s['kiosk_ready']) / base:.1f}×")
        print(f"\n== 4. idle CPU on the home screen, {idle:g} s once start-up settled (target < "
              f"{TARGETS['idle_cpu']:g} % of one core)")
        for label, key in (("kiosk", "kiosk"), ("bare Kivy app (baseline)", "bare")):
            tail, v = s[f"{key}_tail"], s[f"{key}_idle"]
            print(f"  {label}: first 3 s after ready {tail['pct']:.1f} % ({tail['frames']:.0f} frames drawn); settled "
                  f"{s[f'{key}_settled_s']:g} s after ready (a 1 s window under 10 %)")
            print(f"    idle: {v['pct']:5.1f} % of one core, {v['frames']:.0f} frames drawn in {v['wall']:.0f} s"
                  + (f"; {v['pct'] - v['sims_pct']:.1f} % without the device simulators' threads"
                     if v["sims_pct"] else ""))
            for p, name in v["threads"][:8]:
                print(f"      {p:5.1f} %  {name}")
            if key == "kiosk":
                print("    start-up's tail (first 3 s after ready):", ", ".join(
                    f"{name} {p:.1f} %" for p, name in tail["threads"][:5]))
        k, b = s["kiosk_idle"], s["bare_idle"]
        print(f"  kiosk / baseline: {k['pct'] / max(b['pct'], 1e-9):.1f}× "
              f"(without the simulators {(k['pct'] - k['sims_pct']) / max(b['pct'], 1e-9):.1f}×)")
    if "ticket" in r:
        t, b = r["ticket"], r["ticket_base"]
        print(f"\n== 2. card placed → ticket cut at the printer ({n_tickets} runs; target p99 < "
              f"{TARGETS['ticket_p99']:g} s)")
        rows = (("kiosk: placed → cut (total)", t["total"]), ("  of which placed → signed in on screen", t["read"]),
                ("  of which 确认取号 tapped → cut", t["tap_to_cut"]),
                ("baseline: read → issue → cut (total)", b["total"]), ("  of which card read", b["read"]),
                ("  of which ticket.issue + print", b["issue_print"]))
        for label, v in rows:
            print(f"  {label:<42} p50 {pct(v, .5) * 1e3:7.1f} ms  p99 {pct(v, .99) * 1e3:7.1f} ms  "
                  f"max {max(v) * 1e3:7.1f} ms")
        print(f"  kiosk / baseline: p50 {pct(t['total'], .5) / pct(b['total'], .5):.2f}×, "
              f"p99 {pct(t['total'], .99) / pct(b['total'], .99):.2f}×; tap → cut / issue + print: p50 "
              f"{pct(t['tap_to_cut'], .5) / pct(b['issue_print'], .5):.2f}×")
    if "frames" in r:
        f = r["frames"]
        print(f"\n== 3. frames, guide of {f['code']} ({f['content_px']:.0f} px of content in a "
              f"{f['view_px']:.0f} px view), {n_frames} frames each at 60 fps "
              f"(target app p99 < {TARGETS['frame_p99_ms']:g} ms)")
        for label, a, g, d in (("scrolling", f["scroll_app"], f["scroll_gl"], f["scroll_drawn"]),
                               ("nothing changed (baseline)", f["empty_app"], f["empty_gl"], f["empty_drawn"])):
            print(f"  {label:<28} {d:>4} drawn  app p50 {pct(a, .5):6.2f} ms  p99 {pct(a, .99):6.2f} ms   "
                  f"renderer p50 {pct(g, .5):6.2f} ms  p99 {pct(g, .99):6.2f} ms")
        print(f"  scrolling app p50 / empty app p50: {pct(f['scroll_app'], .5) / max(pct(f['empty_app'], .5), 1e-9):.0f}×")
    summary: dict[str, Any] = {"gl": r.get("gl")}
    for part in ("ticket", "ticket_base"):
        if part in r:
            summary[part] = {k: {"p50": pct(v, .5), "p99": pct(v, .99), "n": len(v)} for k, v in r[part].items()}
    if "frames" in r:
        summary["frames"] = {k: ({"p50": pct(v, .5), "p99": pct(v, .99)} if isinstance(v, list) else v)
                             for k, v in r["frames"].items()}
    if "starts" in r:
        summary["starts"] = r["starts"]
    print("\n" + json.dumps(summary, default=str))


if __name__ == "__main__":
    main()
