"""The console's slips on the window's printer: a ``window.print_requested`` event (or, after
(re)connecting, ``window.print_pending``) names a server job, a document and a case; the agent
fetches the slip's data with its own key (``case.notice_slip`` for a one-time notice,
``case.receipt_slip`` for an acceptance receipt), lays it out with the printer's own layouts
(the kiosk prints the same slips), hands it to the printer's spooler (kept on
disk, the server's job number in its payload) and reports the outcome (``window.print_done``):
kept while the printer cannot print (paper out), printed, or failed.

One thread of its own does every request (a client belongs to one thread): the subscriber's
thread and the spooler's only queue work for it. A report the server did not take is sent
again; a job printed but not reported before a stop is printed again after the restart (a
second copy, never a lost slip).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from printer import acceptance_receipt, one_time_notice
from printer.document import Document
from printer.notices import notice_slip, receipt_slip
from printer.spooler import JobState, PrintJob
from printer.status import StatusLevel
from protocol.client import RequestFailed, ServerUnavailable

log = logging.getLogger(__name__)

#: How long a job may wait on the printer before the console is told it is kept for paper.
KEPT_AFTER_S = 1.5
PRINT_TITLE = "window-print"

#: Each document the console may ask for: the request that fetches its data, and the word the
#: agent reports when the server will not give it (the case has no such slip).
DOCUMENTS: dict[str, tuple[str, str]] = {
    "notice": ("case.notice_slip", "no_notice"),
    "receipt": ("case.receipt_slip", "no_receipt"),
}


class PrintDesk:
    def __init__(
        self,
        window: int,
        request: Callable[..., dict[str, Any]],
        *,
        retry_s: float = 1.0,
    ) -> None:
        self.window = window
        self._request = request
        self.retry_s = retry_s
        self.printer: Any = None  # the window's TicketPrinter, set by the agent
        self._cv = threading.Condition()
        self._todo: deque[dict[str, Any]] = deque()  # server jobs to fetch and print
        self._reports: deque[dict[str, Any]] = deque()  # window.print_done bodies to send
        self._local: dict[int, PrintJob] = {}  # server job → its spooler job, not yet reported kept
        self._handled: set[int] = set()  # server jobs on the printer's queue or printed by this process
        self._resync = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="agent-print", daemon=True)
        self.reported: list[dict[str, Any]] = []

    def attach(self, printer: Any) -> None:
        """The printer, before its spooler starts: jobs a previous run kept are this run's."""
        self.printer = printer
        for job in printer.spooler.pending():
            server_job = (job.payload or {}).get("server_job") if isinstance(job.payload, dict) else None
            if isinstance(server_job, int):
                self._handled.add(server_job)
                self._local[server_job] = job

    # -- what the other threads hand over ---------------------------------------------------

    def on_snapshot(self, _snapshot: dict[str, Any]) -> None:
        """(Re)connected: ask for the jobs asked for while the agent was away."""
        with self._cv:
            self._resync = True
            self._cv.notify_all()

    def on_event(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        if event.get("type") != "window.print_requested" or data.get("window") != self.window:
            return
        with self._cv:
            self._todo.append(data)
            self._cv.notify_all()

    def job_done(self, job: PrintJob) -> None:
        """The spooler's callback: printed, or handed back."""
        server_job = job.payload.get("server_job") if isinstance(job.payload, dict) else None
        if not isinstance(server_job, int):
            return  # not the console's (a slip printed by the agent itself)
        printed = job.state in (JobState.PRINTED, JobState.SENT)
        self._report(server_job, printed=printed, kept=False, reason=None if printed else "printer_failed")

    def _report(self, job: int, *, printed: bool, kept: bool, reason: str | None) -> None:
        body: dict[str, Any] = {"window": self.window, "job": job, "printed": printed, "kept": kept}
        if reason:
            body["reason"] = reason
        with self._cv:
            if not kept:
                self._local.pop(job, None)
            self._reports.append(body)
            self._cv.notify_all()

    # -- the thread --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            with self._cv:
                while not (self._todo or self._reports or self._resync or self._stopping or self._kept_due()):
                    self._cv.wait(0.25 if self._local else None)
                if self._stopping:
                    return
                resync, self._resync = self._resync, False
            try:
                if resync:
                    self._fetch_pending()
                self._send_reports()
                self._print_next()
                self._report_kept()
            except ServerUnavailable as exc:
                log.warning("print jobs: server unavailable (%s); trying again", exc)
                with self._cv:
                    self._resync = self._resync or resync
                    self._cv.wait(self.retry_s)

    def _fetch_pending(self) -> None:
        try:
            jobs = self._request("window.print_pending", {"window": self.window})["jobs"]
        except ServerUnavailable:
            with self._cv:
                self._resync = True
            raise
        with self._cv:
            self._todo.extend(jobs)

    def _send_reports(self) -> None:
        while True:
            with self._cv:
                if not self._reports:
                    return
                body = self._reports[0]
            try:
                self._request("window.print_done", body)
            except ServerUnavailable:
                raise
            except RequestFailed as exc:  # the job ended meanwhile (a manager, another report)
                log.warning("print job %s: report refused: %s", body["job"], exc)
            with self._cv:
                self._reports.popleft()
                self.reported.append(body)

    def _print_next(self) -> None:
        with self._cv:
            if not self._todo:
                return
            data = self._todo[0]
        job, case = int(data["job"]), str(data["case"])
        if job not in self._handled:
            self._print(job, case, str(data["document"]))
        with self._cv:
            self._todo.popleft()

    def _print(self, job: int, case: str, document: str) -> None:
        if self.printer is None:
            self._report(job, printed=False, kept=False, reason="no_printer")
            return
        if document not in DOCUMENTS:
            self._report(job, printed=False, kept=False, reason="unknown_document")
            return
        request, missing = DOCUMENTS[document]
        try:
            answer = self._request(request, {"case": case})
        except ServerUnavailable:
            raise
        except RequestFailed as exc:
            log.warning("print job %s: the %s of %s cannot be fetched: %s", job, document, case, exc)
            self._report(job, printed=False, kept=False, reason=missing)
            return
        doc = self._layout(document, answer)
        local = self.printer.spooler.submit(doc, title=f"{PRINT_TITLE}-{job}", payload={"server_job": job})
        with self._cv:
            self._handled.add(job)
            if not local.done:
                self._local[job] = local

    def _layout(self, document: str, answer: dict[str, Any]) -> Document:
        if document == "receipt":
            return acceptance_receipt(receipt_slip(answer), lang="zh")
        return one_time_notice(notice_slip(answer), lang="zh")

    def _kept_due(self) -> bool:
        now = time.time()
        return any(not j.done and now - j.queued_at >= KEPT_AFTER_S for j in self._local.values())

    def _report_kept(self) -> None:
        """Jobs the printer has not taken for a while: the console shows them kept for paper."""
        with self._cv:
            due = [s for s, j in self._local.items() if not j.done and time.time() - j.queued_at >= KEPT_AFTER_S]
            for server_job in due:
                del self._local[server_job]  # said once; its end comes from the spooler
        for server_job in due:
            self._report(server_job, printed=False, kept=True, reason=self._printer_word())

    def _printer_word(self) -> str:
        st = self.printer.spooler.last_status if self.printer is not None else None
        if st is not None and st.level is StatusLevel.PAPER_END:
            return "paper_out"
        return "printer_not_ready"
