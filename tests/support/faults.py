"""A hall under load while something goes wrong, and what must hold afterwards.

    load = HallLoad(hall, item, kiosk_creds)     # visitors on the web, a kiosk, a clerk calling
    load.start()
    ... the fault: stop the database, fill the disk, kill -9 the server ...
    load.fault_ended()                            # mark when it is over
    load.stop()
    report = load.report()                        # how long 'unavailable', how soon serving again
    check_nothing_lost(db_url, load)              # every acknowledged ticket and case, once
    display.matches(hall)                         # the display model agrees with the hall

or a whole scenario at once: ``database_outage``, ``full_disk``, ``random_kills`` return what
they measured.

Clients behave as the real ones do: a refused or unanswered request is sent again with the
same idempotency key (the web with its ``Idempotency-Key`` header, the kiosk through the Lazy
Pirate client) until it is acknowledged or the load stops. Used by
``tests/queue_server/test_faults.py`` (short faults, invariants asserted) and
``bench/faults.py`` (the figures).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import random
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from idcard.idnumber import check_char
from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from protocol.subscriber import CloneSubscriber
from tests.support.hall import HallProcess
from tests.support.wait import wait_for
from window_display.model import HallModel


@dataclass
class Answer:
    what: str  # "ticket" (web), "kiosk" (ZeroMQ ticket), "case" (web), "call" (clerk)
    key: str
    sent: float  # time.monotonic()
    answered: float
    outcome: str  # "ok", "unavailable", "down" (no answer at all), or another error code
    body: dict[str, Any] | None = None


def id_number(n: int) -> str:
    """A valid resident ID number, different for every n (region 110101, born 1980-1999)."""
    first17 = f"110101{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + check_char(first17)


@dataclass
class HallLoad:
    hall: HallProcess
    item: str
    kiosk: CurveClientKeys | None = None
    clerk_token: str | None = None
    window: int = 1
    web_visitors: int = 2
    case_visitors: int = 1
    pause_s: float = 0.01
    answers: list[Answer] = field(default_factory=list)
    fault_end: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        workers = [self._web_tickets] * self.web_visitors + [self._web_cases] * self.case_visitors
        if self.kiosk is not None:
            workers.append(self._kiosk_tickets)
        if self.clerk_token is not None:
            workers.append(self._clerk_calls)
        for i, w in enumerate(workers):
            t = threading.Thread(target=w, args=(i,), name=f"load-{w.__name__}-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def fault_ended(self) -> None:
        self.fault_end = time.monotonic()

    def _record(self, a: Answer) -> None:
        with self._lock:
            self.answers.append(a)

    def _until_acknowledged(self, what: str, send: Any) -> None:
        """One request, sent again with the same key until it is acknowledged."""
        key = f"{what}-{uuid.uuid4().hex[:16]}"
        while not self._stop.is_set():
            t0 = time.monotonic()
            outcome, body = send(key)
            self._record(Answer(what, key, t0, time.monotonic(), outcome, body))
            if outcome == "ok" or outcome not in ("unavailable", "down"):
                return
            self._stop.wait(0.05)  # a visitor's pace between retries, not a wait for anything

    def _http(self, session: requests.Session, method: str, path: str, key: str, **kw: Any) -> tuple[str, Any]:
        try:
            r = session.request(
                method, f"{self.hall.http}/api/v1{path}", headers={"Idempotency-Key": key, **kw.pop("headers", {})},
                timeout=15, **kw,
            )
        except requests.RequestException:
            return "down", None
        if r.status_code in (200, 201, 204):
            return "ok", r.json() if r.content else {}
        try:
            return r.json()["error"]["code"], r.json()
        except ValueError:
            return f"http-{r.status_code}", None

    def _web_tickets(self, _n: int) -> None:
        with requests.Session() as s:
            while not self._stop.is_set():
                self._until_acknowledged(
                    "ticket", lambda key: self._http(s, "POST", "/tickets", key, json={"item_code": self.item})
                )
                self._stop.wait(self.pause_s)

    def _web_cases(self, n: int) -> None:
        counter = itertools.count(n * 100_000)
        with requests.Session() as s:
            while not self._stop.is_set():
                body = {"item_code": self.item, "id_number": id_number(next(counter)), "name": "王小明"}
                self._until_acknowledged("case", lambda key, b=body: self._http(s, "POST", "/cases/online", key, json=b))
                self._stop.wait(self.pause_s * 5)

    def _kiosk_tickets(self, _n: int) -> None:
        assert self.kiosk is not None
        client = HallClient(self.hall.router, curve=self.kiosk, timeout=1.0, retries=2)
        try:
            while not self._stop.is_set():

                def send(key: str) -> tuple[str, Any]:
                    try:
                        return "ok", client.request("ticket.issue", {"item_code": self.item}, key=key)
                    except RequestFailed as e:
                        return ("down" if e.code == "unavailable" and e.details is None else str(e.code)), None

                self._until_acknowledged("kiosk", send)
                self._stop.wait(self.pause_s)
        finally:
            client.close()

    def _clerk_calls(self, _n: int) -> None:
        with requests.Session() as s:
            auth = {"Authorization": f"Bearer {self.clerk_token}"}
            while not self._stop.is_set():
                self._until_acknowledged(
                    "call", lambda key: self._http(s, "POST", f"/windows/{self.window}/call-next", key, headers=auth)
                )
                self._stop.wait(0.1)  # the clerk's pace between calls

    # ------------------------------------------------------------------ figures
    def acknowledged(self, what: str) -> dict[str, dict[str, Any]]:
        """key -> the body of its acknowledgement (the last, for a key acknowledged again)."""
        return {a.key: a.body or {} for a in self.answers if a.what == what and a.outcome == "ok"}

    def report(self) -> dict[str, Any]:
        """What a visitor saw of the fault: how long and how quickly the hall said
        'unavailable' (or nothing at all), and how soon after the fault ended it served again."""
        refused = [a for a in self.answers if a.outcome in ("unavailable", "down")]
        other = sorted({a.outcome for a in self.answers} - {"ok", "unavailable", "down"})
        out: dict[str, Any] = {
            "requests": len(self.answers),
            "acknowledged": sum(a.outcome == "ok" for a in self.answers),
            "unavailable": sum(a.outcome == "unavailable" for a in self.answers),
            "no_answer": sum(a.outcome == "down" for a in self.answers),
            "other_errors": other,
        }
        if refused:
            out["refused_for_s"] = round(max(a.answered for a in refused) - min(a.sent for a in refused), 2)
            waits = [a.answered - a.sent for a in refused if a.outcome == "unavailable"]
            if waits:
                out["unavailable_answered_in_s"] = {
                    "median": round(statistics.median(waits), 3),
                    "max": round(max(waits), 3),
                }
        if self.fault_end is not None:
            # The hall loop's own service (tickets, calls) and the case desk's, apart: cases meet
            # the store on their own threads and may come back sooner.
            for name, kinds in (("served_again_after_s", ("ticket", "kiosk", "call")), ("cases_again_after_s", ("case",))):
                served = [
                    a.answered
                    for a in self.answers
                    if a.outcome == "ok" and a.sent >= self.fault_end and a.what in kinds
                ]
                out[name] = round(min(served) - self.fault_end, 2) if served else None
        return out


def wait_healthy(hall: HallProcess, since: float, limit_s: float = 30.0) -> float:
    """Seconds from ``since`` (time.monotonic()) until ``/health`` answers 200."""

    def healthy() -> float | None:
        try:
            if requests.get(f"{hall.http}/api/v1/health", timeout=2).status_code == 200:
                return time.monotonic() - since
        except requests.RequestException:
            pass
        return None

    return wait_for(
        healthy,
        timeout=max(0.0, since + limit_s - time.monotonic()),
        message=lambda: f"the hall was not healthy {limit_s} s after the fault ended:\n{hall.log()[-4000:]}",
    )


def check_nothing_lost(db_url: str, load: HallLoad) -> dict[str, int]:
    """Every acknowledged ticket and case is stored exactly once; numbers never repeat; the
    event log and the ticket table agree. Returns what was counted."""
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as c:
            tickets = {r.id: r.number for r in c.execute(text("select id, number from tickets where hall = 'H01'"))}
            issued = c.execute(text("select count(*) from hall_events where hall = 'H01' and type = 'ticket.issued'")).scalar_one()
            seqs = [r[0] for r in c.execute(text("select seq from hall_events where hall = 'H01' order by seq"))]
            cases = [r[0] for r in c.execute(text("select id from cases"))]
            submissions = [r[0] for r in c.execute(text("select case_id from case_submissions"))]
    finally:
        engine.dispose()
    assert len(set(tickets.values())) == len(tickets) == issued, "a ticket number was given twice"
    assert seqs == list(range(1, len(seqs) + 1)), "the event log has a gap or a repeat"
    for what in ("ticket", "kiosk"):
        for key, body in load.acknowledged(what).items():
            assert body["id"] in tickets, f"acknowledged ticket {body['number']} ({key}) is not stored"
            assert tickets[body["id"]] == body["number"]
    for key, body in load.acknowledged("case").items():
        assert cases.count(body["id"]) == 1, f"acknowledged case {body['id']} ({key}) is not stored once"
    assert len(submissions) == len(set(submissions)), "one submission made two cases"
    return {"tickets": len(tickets), "cases": len(cases)}


class Display:
    """A display following the hall (the Clone pattern, as the board does)."""

    def __init__(self, hall: HallProcess, creds: CurveClientKeys) -> None:
        self.model = HallModel("H01")
        self._lock = threading.Lock()
        self.client = HallClient(hall.router, curve=creds, timeout=1.0, retries=2)
        self.sub = CloneSubscriber(
            hall.pub, self.client, "H01", on_snapshot=self._snapshot, on_event=self._event, curve=creds,
            heartbeat_timeout=2.0, backoff_max=0.5,
        )
        self.sub.start()

    def _snapshot(self, body: dict[str, Any]) -> None:
        with self._lock:
            self.model.load_snapshot(body)

    def _event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.model.apply(event)

    def close(self) -> None:
        self.sub.close()
        self.client.close()

    def matches(self, hall: HallProcess, limit_s: float = 15.0) -> dict[str, Any]:
        """Wait until the display shows what the hall holds (waiting count, each window's
        current number, the newest event); raise with the difference if it never does."""
        last: tuple[Any, Any] = (None, None)

        def caught_up() -> dict[str, Any] | None:
            nonlocal last
            q = requests.get(f"{hall.http}/api/v1/queue?limit=0", timeout=5).json()
            seq = requests.get(f"{hall.http}/api/v1/health", timeout=5).json()["seq"]
            want = (seq, q["waiting_total"], {w["number"]: (w.get("current") or {}).get("number") for w in q["windows"]})
            with self._lock:
                m = self.model
                got = (m.seq, m.waiting_total, {n: w.current_number for n, w in m.windows.items()})
            if want == got and self.sub.synced:
                return {"snapshots": self.sub.snapshots_taken, "epoch_changes": self.sub.epoch_changes}
            last = (want, got)
            return None

        return wait_for(
            caught_up,
            timeout=limit_s,
            interval=0.1,
            message=lambda: f"the display never caught up: hall {last[0]}, display {last[1]}",
        )


# ------------------------------------------------------------------ scenarios
@dataclass
class RunningHall:
    hall: HallProcess
    item: str
    kiosk: CurveClientKeys
    board: CurveClientKeys
    clerk: str


def start_hall(var: Path, db: str) -> RunningHall:
    """A hall with a kiosk, a board and a clerk at window 1, serving."""
    hall = HallProcess(var, db)
    hall.init()
    kiosk, board = hall.enroll("kiosk-fault", "kiosk"), hall.enroll("board-fault", "display")
    keys = [CurveClientKeys.from_files(d["server_public"], d["secret"]) for d in (kiosk, board)]
    clerk = hall.token("clerk", "c01")
    hall.start()
    with HallClient(hall.router, curve=keys[0], timeout=3) as c:
        items = c.request("catalogue.get", {})["catalogue"]["items"]
    item = next(i["code"] for i in items if i["stream"] == "citizen")
    return RunningHall(hall, item, keys[0], keys[1], clerk)


def settle(seconds: float) -> None:
    """Let time pass on purpose: the load runs on (healthy, during a fault, after it) and what
    it meets meanwhile is what the scenario measures; there is no condition to wait for."""
    time.sleep(seconds)


def baseline(load: HallLoad, until: float) -> dict[str, float]:
    """The healthy hall in the same run: median answer time of acknowledged requests."""
    ok = [a.answered - a.sent for a in load.answers if a.outcome == "ok" and a.answered <= until]
    return {"acknowledged_median_s": round(statistics.median(ok), 4) if ok else float("nan")}


@contextlib.contextmanager
def under_load(var: Path, db: str) -> Iterator[tuple[RunningHall, HallLoad, Display]]:
    """A hall serving on ``db`` with a display following it and the load running; all
    stopped afterwards, whatever happened."""
    run = start_hall(var, db)
    display = Display(run.hall, run.board)
    load = HallLoad(run.hall, run.item, run.kiosk, run.clerk)
    try:
        load.start()
        yield run, load, display
    finally:
        load.stop()
        display.close()
        run.hall.stop()


def health_now(hall: HallProcess) -> tuple[int, str | None]:
    """``/health``'s status and, when it says what is wrong, the problem."""
    health = requests.get(f"{hall.http}/api/v1/health", timeout=5)
    return health.status_code, (health.json().get("error") or {}).get("details", {}).get("problem")


def _finish(run: RunningHall, load: HallLoad, display: Display, db: str, fault_began: float) -> dict[str, Any]:
    healthy_after = wait_healthy(run.hall, load.fault_end)  # type: ignore[arg-type]
    settle(1.5)
    load.stop()
    out = {**load.report(), "healthy_after_s": round(healthy_after, 2), **baseline(load, fault_began)}
    out["stored"] = check_nothing_lost(db, load)
    out["display"] = display.matches(run.hall)
    out["alive"] = run.hall.proc is not None and run.hall.proc.poll() is None
    return out


def database_outage(tmp_path: Path, seconds: float) -> dict[str, Any]:
    """PostgreSQL (a private cluster) stopped for ``seconds`` under load, then started again."""
    from tests.support.postgres import PostgresCluster

    cluster = PostgresCluster()
    url = cluster.start()
    try:
        with under_load(tmp_path / "var", url) as (run, load, display):
            settle(1.5)
            cluster.halt()
            began = time.monotonic()
            settle(seconds)
            health = health_now(run.hall)
            during = sum(a.outcome == "ok" and began + 0.5 <= a.sent for a in load.answers)
            cluster.resume()
            load.fault_ended()
            out = _finish(run, load, display, url, began)
            out["health_during"] = health
            out["acknowledged_during_fault"] = during
            return out
    finally:
        cluster.stop()


@contextlib.contextmanager
def tiny_filesystem(where: Path, megabytes: int) -> Iterator[Path | None]:
    """A tmpfs of its own, where this machine lets us mount one (root); else None. It holds an
    empty ``filler`` from the start, so filling it never needs a new file (under load the
    database may fill the disk first)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)], capture_output=True
    ).returncode == 0
    if mounted:
        (where / "filler").touch()
    try:
        yield where if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    """Write the filler until the file system is full."""
    filler = folder / "filler"
    # Unbuffered: a buffered file keeps the bytes a full disk refused and writes them again
    # when it is closed, which fails the same way (now and then, as a partial write left some).
    with open(filler, "ab", buffering=0) as f:
        chunk = b"\0" * (1 << 16)
        try:
            while True:
                f.write(chunk)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
    return filler


def full_disk(tmp_path: Path, seconds: float) -> dict[str, Any] | None:
    """The database's disk (a tiny tmpfs) filled for ``seconds`` under load, then freed.
    None where no file system can be mounted here."""
    with tiny_filesystem(tmp_path / "tiny", 64) as tiny:
        if tiny is None:
            return None
        db = f"sqlite:///{tiny / 'hall.db'}"
        with under_load(tmp_path / "var", db) as (run, load, display):
            settle(1.5)
            database_bytes = sum(f.stat().st_size for f in tiny.glob("hall.db*"))
            filler = fill(tiny)
            began = time.monotonic()
            settle(seconds)
            health = health_now(run.hall)
            refused = sum(a.sent >= began and a.outcome == "unavailable" for a in load.answers)
            filler.unlink()
            load.fault_ended()
            out = _finish(run, load, display, db, began)
            out["health_during"] = health
            out["refused_during_fault"] = refused
            out["database_bytes_when_filled"] = database_bytes
            return out


def random_kills(tmp_path: Path, db: str, kills: int, seed: int) -> dict[str, Any]:
    """The server killed with SIGKILL ``kills`` times at moments drawn from ``seed``, and
    restarted each time (as its supervisor would), under load."""
    rng = random.Random(seed)
    restarts = []
    with under_load(tmp_path / "var", db) as (run, load, display):
        began: float | None = None
        for _ in range(kills):
            settle(rng.uniform(0.3, 1.5))
            began = began or time.monotonic()  # the healthy hall before the first kill: the baseline
            run.hall.kill()
            settle(rng.uniform(0.0, 0.5))
            t0 = time.monotonic()
            run.hall.start()
            up = time.monotonic()
            load.fault_ended()
            restarts.append({"restart_s": round(up - t0, 2), "healthy_after_ready_s": round(wait_healthy(run.hall, up), 2)})
        out = _finish(run, load, display, db, began or time.monotonic())
        out["restarts"] = restarts
        out["seed"] = seed
        return out
