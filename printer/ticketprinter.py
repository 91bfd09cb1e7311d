"""The ESC/POS ticket printer with its persistent print queue, as a managed device
(:class:`devices.health.Device`): a kiosk's and a window agent's printer."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.health import Health
from printer.device import EscPosPrinter
from printer.spooler import PrintJob, Spooler
from printer.status import UNKNOWN, PrinterStatus, StatusLevel


def printer_health(st: PrinterStatus, where: str = "") -> Health:
    """A printer's status as device health: paper end, cover open, errors → degraded;
    no answer → missing; paper low → degraded (it still prints; staff should reload)."""
    text = st.describe()
    suffix = f" ({where})" if where else ""
    if st.level is StatusLevel.READY:
        return Health.ok(f"{text}{suffix}")
    if st.level is StatusLevel.NEAR_END:
        return Health.degraded(f"打印纸将尽，请及时换纸 / paper low: load a new roll soon{suffix}")
    if st.level is StatusLevel.UNKNOWN:
        return Health.missing(f"{text}{suffix}")
    return Health.degraded(f"{text}{suffix}")


class TicketPrinter:
    """The ESC/POS ticket printer with its print queue (:class:`~printer.spooler.Spooler`),
    as a :class:`~devices.health.Device`. A status thread asks the printer's status while the
    queue is idle (the spooler asks it while it works), so paper running out is noticed even
    with no job waiting."""

    kind = "printer"

    def __init__(
        self,
        printer: EscPosPrinter,
        *,
        name: str = "printer",
        hold: float | None = None,
        status_interval: float = 0.5,
        on_job_done: Callable[[PrintJob], None] | None = None,
        simulator: Any = None,
        spool_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.printer = printer
        self.simulator = simulator
        self.status_interval = status_interval
        self._on_job_done = on_job_done
        self._status: PrinterStatus = UNKNOWN
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.spooler = Spooler(
            printer,
            hold=hold,
            poll_interval=0.1,
            on_printed=self._job_done,
            on_failed=self._job_done,
            on_status=self._status_seen,
            start=False,
            spool_dir=spool_dir,  # slips kept for paper survive a restart of the kiosk
        )

    @property
    def status(self) -> PrinterStatus:
        return self._status

    def _status_seen(self, st: PrinterStatus) -> None:
        self._status = st

    def _job_done(self, job: PrintJob) -> None:
        if self._on_job_done is not None:
            self._on_job_done(job)

    def start(self) -> None:
        # Asked once here so the first health report is already true (bounded by the
        # transport's timeouts: 0.3 s a query, a TCP connect 3 s).
        self._status = self.printer.status()
        self.spooler.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name=f"{self.name}-status", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.status_interval):
            if self.spooler.pending():
                self._status = self.spooler.last_status
            else:
                self._status = self.printer.status()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.spooler.close(timeout=5)
        with contextlib.suppress(OSError):
            self.printer.close()
        if self.simulator is not None:
            self.simulator.stop()

    def reconnect(self) -> None:
        """Nothing to do: every status query reopens a closed connection."""

    def health(self) -> Health:
        return printer_health(self._status, self.printer.transport.description)


__all__ = ["TicketPrinter", "printer_health"]
