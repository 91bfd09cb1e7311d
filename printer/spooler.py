"""Print queue: every job ends printed once or handed back to the caller, never lost or doubled.

One worker thread takes jobs in order. Before each job it asks the printer's status; while the
printer cannot print (paper end, cover open, error, no answer) the job waits, at most ``hold``
seconds (``None``: until the printer recovers), and is then handed back through ``on_failed``
and its :class:`PrintJob` state, for the kiosk to show the ticket on screen instead.

How a job is known to be printed, from the strongest evidence to the weakest:

* The profile has ``process_id``: the job is followed by ``GS ( H`` and the printer answers once
  everything before it is printed. No answer and the printer reports paper end (or cover open,
  or an error): the job was cut short. With ``clear_buffer`` the printer's buffers are then
  cleared (``DLE DC4 8``) so its remainder cannot print later, and the job is printed again,
  whole, when the printer recovers: the torn part stays on the old roll. Without
  ``clear_buffer`` the job is handed back (its remainder may still print on its own).
* No process ID: the status after the job decides. Healthy → printed; otherwise the job is
  handed back, not resent, since part of it or all of it may have printed.
* A CUPS queue answers nothing: the job is ``SENT`` once ``lp`` has accepted it; CUPS keeps it
  until the printer takes it.

A job is only ever sent again when the printer has shown it did not finish it, so nothing
prints twice.

With a ``spool_dir`` the queue is kept on disk as well: one file per job (``0000000042.job``,
JSON with the rendered bytes), written atomically (temporary file, fsync, rename) before
``submit`` returns and deleted once the job is printed, sent, handed back or cancelled. A
spooler started on the folder loads what is left, in order, and prints it: a kiosk that
restarts, or dies, loses no slip. ``close()`` then leaves queued jobs on disk (state
``KEPT``) instead of handing them back. A file that cannot be read is moved to
``spool_dir/corrupt/``, logged and listed in ``Spooler.corrupt``; the others still print.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from printer.device import EscPosPrinter
from printer.document import Document
from printer.status import UNKNOWN, PrinterStatus, StatusLevel
from printer.transports.base import TransportError

log = logging.getLogger(__name__)

SEPARATOR = b"\x1bd\x03\x1dV\x01"  # ESC d 3, GS V 1: feed past the print head and cut


class JobState(StrEnum):
    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"  # the printer confirmed it (or reported healthy right after it)
    SENT = "sent"  # handed to a spooler that answers nothing (CUPS)
    RETURNED = "returned"  # not printed (or not known to be): handed back to the caller
    KEPT = "kept"  # the spooler closed first: the job stays in its spool folder for the next one


TERMINAL = frozenset({JobState.PRINTED, JobState.SENT, JobState.RETURNED, JobState.KEPT})

JOB_SUFFIX = ".job"
SPOOL_FORMAT = 1


def spool_folder(var_dir: str | os.PathLike[str], printer_name: str) -> Path:
    """Where a device's spooler keeps the jobs of its printer ``printer_name``: ``VAR/spool/NAME``
    (a kiosk's state folder, a window agent's var folder)."""
    return Path(var_dir) / "spool" / printer_name


@dataclass(eq=False)
class PrintJob:
    id: int
    title: str
    data: bytes
    payload: Any = None  # what the caller needs to show the job on screen (the slip)
    state: JobState = JobState.QUEUED
    reason: str = ""
    attempts: int = 0
    interruptions: int = 0
    cut_before: bool = False  # a partial print of this job is still on the paper: cut it off first
    held_since: float | None = None
    queued_at: float = field(default_factory=time.time)  # wall clock: survives a restart
    path: Path | None = None  # its file in the spool folder, while it has one
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> JobState:
        """Block until the job is printed, sent or returned (or ``timeout``); the state then."""
        self._done.wait(timeout)
        return self.state


Callback = Callable[[PrintJob], None]


class Spooler:
    def __init__(
        self,
        printer: EscPosPrinter,
        *,
        hold: float | None = None,
        poll_interval: float = 0.25,
        ack_timeout: float = 5.0,
        settle: float = 0.5,
        on_printed: Callback | None = None,
        on_failed: Callback | None = None,
        on_status: Callable[[PrinterStatus], None] | None = None,
        start: bool = True,
        spool_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        """``hold``: seconds a job may wait for the printer to recover (None: no limit; 0: hand
        back at once). ``settle``: seconds to let a printer without process ID finish a job
        before its status is read. ``spool_dir``: keep jobs on disk there (see the module
        docstring); the jobs a previous spooler left are loaded now, to print first. A ``hold``
        counts from when a job was queued, before a restart too."""
        self.printer = printer
        self.hold = hold
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.settle = settle
        self.on_printed = on_printed
        self.on_failed = on_failed
        self.on_status = on_status
        self.last_status: PrinterStatus = UNKNOWN
        self._queue: deque[PrintJob] = deque()
        self._cv = threading.Condition()
        self._render_lock = threading.Lock()
        self._stopping = False
        self._current: PrintJob | None = None  # the job the worker has in hand
        self._ids = itertools.count(1)
        self._attempt_ids = itertools.count(1)
        self.spool_dir = Path(spool_dir) if spool_dir is not None else None
        self.corrupt: list[Path] = []  # job files found unreadable, now under spool_dir/corrupt
        if self.spool_dir is not None:
            self._load()
        self._thread = threading.Thread(target=self._run, name="printer-spooler", daemon=True)
        if start:
            self.start()

    # -- caller side ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, job: Document | bytes, *, title: str = "", payload: Any = None) -> PrintJob:
        if isinstance(job, Document):
            with self._render_lock:  # the renderer reuses one buffer; kiosk threads may submit at once
                data = self.printer.renderer.render(job)
            title = title or job.title
        else:
            data = bytes(job)
        with self._cv:
            if self._stopping:
                raise RuntimeError("spooler is closed")
            pj = PrintJob(id=next(self._ids), title=title, data=data, payload=payload)
            # On disk before anyone is told it is queued: from here on a restart keeps it.
            self._save(pj)
            self._queue.append(pj)
            self._cv.notify_all()
        return pj

    def cancel(self, job: PrintJob) -> bool:
        """Take a job that has not started printing off the queue (it ends ``RETURNED``,
        reason "cancelled"). False when it is printing or already done."""
        with self._cv:
            if job not in self._queue or job.state is JobState.PRINTING or job is self._current:
                return False
            self._queue.remove(job)
        self._finish(job, JobState.RETURNED, "cancelled")
        return True

    def pending(self) -> list[PrintJob]:
        with self._cv:
            return list(self._queue)

    def close(self, timeout: float = 10.0) -> list[PrintJob]:
        """Stop after the job in hand; every job still queued is handed back, or, with a spool
        folder, left there (``KEPT``) for the next spooler on it to print. Returns those."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        with self._cv:
            left = list(self._queue)
            self._queue.clear()
        for job in left:
            if job.path is not None:
                self._finish(job, JobState.KEPT, f"kept in {self.spool_dir} for the next start")
            else:
                self._finish(job, JobState.RETURNED, "print queue closed before the job was printed")
        return left

    def __enter__(self) -> Spooler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker ---------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._stopping:
                    self._cv.wait()
                if self._stopping:
                    return
                job = self._current = self._queue[0]
            try:
                self._step(job)
            except Exception:  # never let the worker die with jobs in the queue
                log.exception("printer spooler: job %s", job.id)
                self._remove(job)
                self._finish(job, JobState.RETURNED, "internal error while printing")
            finally:
                with self._cv:
                    self._current = None

    def _sleep(self, seconds: float) -> None:
        with self._cv:
            if not self._stopping:
                self._cv.wait(seconds)

    def _set_status(self, st: PrinterStatus) -> None:
        changed = st.level != self.last_status.level
        self.last_status = st
        if changed and self.on_status is not None:
            try:
                self.on_status(st)
            except Exception:
                log.exception("printer spooler: on_status callback")

    def _hold_expired(self, job: PrintJob) -> bool:
        now = time.monotonic()
        if job.held_since is None:
            job.held_since = now
        return self.hold is not None and now - job.held_since >= self.hold

    def _step(self, job: PrintJob) -> None:
        printer = self.printer
        if not printer.transport.bidirectional:
            self._send_blind(job)
            return
        st = printer.status()
        self._set_status(st)
        if not st.ready:
            job.reason = f"waiting: {st.describe()}"
            if self._hold_expired(job):
                self._remove(job)
                self._finish(job, JobState.RETURNED, f"printer not ready: {st.describe()}")
            else:
                self._sleep(self.poll_interval)
            return
        job.held_since = None
        self._print(job)

    def _send_blind(self, job: PrintJob) -> None:
        try:
            self.printer.send_job(job.data, title=job.title)
        except TransportError as exc:
            if self._hold_expired(job):
                self._remove(job)
                self._finish(job, JobState.RETURNED, f"could not hand the job over: {exc}")
            else:
                self._sleep(self.poll_interval)
            return
        self._remove(job)
        self._finish(job, JobState.SENT, f"handed to {self.printer.transport.description}")

    def _wire_time(self, job: PrintJob) -> float:
        bps = self.printer.transport.bytes_per_second
        return len(job.data) / bps if bps else 0.0

    def _print(self, job: PrintJob) -> None:
        printer = self.printer
        job.state = JobState.PRINTING
        job.attempts += 1
        job_id = next(self._attempt_ids) % 10000  # fresh per attempt: a late reply is never mistaken
        try:
            data = SEPARATOR + job.data if job.cut_before else job.data
            printer.send_job(data, title=job.title, job_id=job_id)
        except TransportError as exc:
            self._interrupted(job, job_id, UNKNOWN, f"sending failed: {exc}")
            return
        if printer.can_confirm:
            res = printer.wait_ack(job_id, self.ack_timeout + 2 * self._wire_time(job))
            if res.acked:
                self._remove(job)
                self._finish(job, JobState.PRINTED, "confirmed by the printer")
            else:
                st = res.status or printer.status()
                self._interrupted(job, job_id, st, f"not finished: {st.describe()}")
            return
        self._sleep(self.settle + self._wire_time(job))
        st = printer.status()
        self._set_status(st)
        self._remove(job)
        if st.ready:
            self._finish(job, JobState.PRINTED, "printer healthy after the job (no process ID to confirm)")
        else:
            if printer.profile.clear_buffer and st.known:
                printer.clear_buffers()
            self._finish(job, JobState.RETURNED, f"interrupted ({st.describe()}): may be partly printed")

    def _interrupted(self, job: PrintJob, job_id: int, st: PrinterStatus, reason: str) -> None:
        """The job did not come out whole, or we cannot tell. Reprint only when the printer
        proves it did not finish (no process-ID reply) and its buffers are cleared."""
        printer = self.printer
        self._set_status(st)
        job.interruptions += 1
        if printer.can_confirm and printer.profile.clear_buffer and st.known and printer.clear_buffers():
            if printer.acked(job_id):  # it finished just before stopping
                self._remove(job)
                self._finish(job, JobState.PRINTED, "confirmed by the printer")
                return
            job.state = JobState.QUEUED
            job.reason = f"{reason}; will print again when the printer recovers"
            # Cover open or an error stops a job on paper that is still there: cut that piece off
            # before the reprint, so the visitor is not handed half a slip joined to the whole one.
            # After paper end the piece went with the old roll.
            job.cut_before = st.level is not StatusLevel.PAPER_END
            job.held_since = time.monotonic()
            if job.path is not None:
                self._save(job)  # a restart must cut the partial slip off too
            if self.hold is not None and self.hold <= 0:
                self._remove(job)
                self._finish(job, JobState.RETURNED, f"{reason}; not printed in full")
            return
        self._remove(job)
        self._finish(job, JobState.RETURNED, f"{reason}; may be partly printed")

    def _remove(self, job: PrintJob) -> None:
        with self._cv:
            if job in self._queue:
                self._queue.remove(job)

    def _finish(self, job: PrintJob, state: JobState, reason: str) -> None:
        job.state = state
        job.reason = reason
        if state is not JobState.KEPT:
            self._discard(job)  # before the callback: a crash after it must not print it again
        callback = {
            JobState.PRINTED: self.on_printed, JobState.SENT: self.on_printed, JobState.RETURNED: self.on_failed
        }.get(state)  # a kept job has not ended: the next spooler reports it
        if state is JobState.RETURNED:
            log.warning("print job %s (%s) handed back: %s", job.id, job.title, reason)
        try:
            if callback is not None:
                callback(job)
        except Exception:
            log.exception("printer spooler: callback for job %s", job.id)
        finally:
            job._done.set()  # after the callback: whoever waits sees its effects

    # -- the spool folder ------------------------------------------------------------------------

    def _save(self, job: PrintJob) -> None:
        """Write the job's file atomically: a temporary file, fsync, rename, fsync the folder.
        A disk that refuses leaves the job in memory only (logged): it still prints while the
        process lives, which is better than refusing the visitor's slip."""
        if self.spool_dir is None:
            return
        path = self.spool_dir / f"{job.id:010d}{JOB_SUFFIX}"
        tmp = self.spool_dir / f".{path.name}.tmp"
        payload = job.payload
        try:
            json.dumps(payload)
        except (TypeError, ValueError):
            payload = None  # a slip object: the caller still holds it; the bytes are what prints
        record = {
            "format": SPOOL_FORMAT,
            "id": job.id,
            "title": job.title,
            "profile": self.printer.profile.name,
            "queued_at": job.queued_at,
            "cut_before": job.cut_before,
            "attempts": job.attempts,
            "interruptions": job.interruptions,
            "payload": payload,
            "data": base64.b64encode(job.data).decode("ascii"),
        }
        try:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(json.dumps(record, ensure_ascii=False).encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            _fsync_dir(self.spool_dir)
        except OSError as exc:
            log.error("print job %s (%s) not saved in %s: %s; kept in memory only", job.id, job.title, path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()
            return
        job.path = path

    def _discard(self, job: PrintJob) -> None:
        path, job.path = job.path, None
        if path is None:
            return
        try:
            path.unlink(missing_ok=True)
            _fsync_dir(path.parent)
        except OSError as exc:  # it would print again after a restart: say so loudly
            log.error("print job %s ended %s but its file %s stays: %s", job.id, job.state, path, exc)

    def _load(self) -> None:
        """The jobs a previous spooler left, oldest first; new ids continue after theirs."""
        assert self.spool_dir is not None
        folder = self.spool_dir
        folder.mkdir(parents=True, exist_ok=True)
        for tmp in folder.glob(f".*{JOB_SUFFIX}.tmp"):  # a write cut short: submit never returned
            with contextlib.suppress(OSError):
                tmp.unlink()
        # New ids go on after every id seen, set-aside ones too: no file name is ever reused.
        names = [*folder.glob(f"*{JOB_SUFFIX}"), *folder.glob(f"corrupt/*{JOB_SUFFIX}")]
        last = max((int(p.stem) for p in names if p.stem.isdigit()), default=0)
        for path in sorted(folder.glob(f"*{JOB_SUFFIX}")):
            try:
                loaded = self._read(path)
            except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
                self._set_aside(path, exc)
                continue
            job, other = loaded.job, loaded.profile_mismatch
            if other:  # its bytes are for another paper width or encoding: garbage on this one
                self._finish(job, JobState.RETURNED,
                             f"rendered for printer profile {other}, not {self.printer.profile.name}")  # fmt: skip
                continue
            self._queue.append(job)
        if self._queue:
            log.info("printer spooler: %d job(s) left in %s to print", len(self._queue), folder)
        self._ids = itertools.count(last + 1)

    def _read(self, path: Path) -> _Loaded:
        record = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(record, dict) or record.get("format") != SPOOL_FORMAT:
            raise ValueError(f"not a print job file of format {SPOOL_FORMAT}")
        job_id = int(record["id"])
        if path.name != f"{job_id:010d}{JOB_SUFFIX}":
            raise ValueError(f"the file of job {job_id} is named {path.name}")
        job = PrintJob(
            id=job_id,
            title=str(record["title"]),
            data=base64.b64decode(record["data"], validate=True),
            payload=record.get("payload"),
            attempts=int(record.get("attempts", 0)),
            interruptions=int(record.get("interruptions", 0)),
            cut_before=bool(record.get("cut_before", False)),
            queued_at=float(record.get("queued_at", time.time())),
            path=path,
        )
        # A hold counts from when the visitor was told the slip was kept, not from this start.
        job.held_since = time.monotonic() - max(0.0, time.time() - job.queued_at) if self.hold is not None else None
        profile = str(record.get("profile", self.printer.profile.name))
        return _Loaded(job, profile if profile != self.printer.profile.name else "")

    def _set_aside(self, path: Path, exc: BaseException) -> None:
        assert self.spool_dir is not None
        aside = self.spool_dir / "corrupt" / path.name
        try:
            aside.parent.mkdir(exist_ok=True)
            os.replace(path, aside)
        except OSError as move_exc:
            log.error("print job file %s is unreadable (%s) and could not be moved aside: %s", path, exc, move_exc)
            aside = path
        else:
            log.error("print job file %s is unreadable (%s): moved to %s, not printed", path, exc, aside)
        self.corrupt.append(aside)


@dataclass(frozen=True)
class _Loaded:
    job: PrintJob
    profile_mismatch: str  # the profile it was rendered for, when not this printer's


def _fsync_dir(folder: Path) -> None:
    """Make a rename or an unlink in ``folder`` durable (POSIX: fsync the directory)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
