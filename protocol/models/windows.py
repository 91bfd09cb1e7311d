"""Request and reply models: windows (``window.*``), from call pads and clerks.

The ticket a window calls is the queue's :class:`~protocol.models.queue.Ticket`: this module
takes its parts from :mod:`protocol.models.queue`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.fields import (
    WORD,
    Bilingual,
    CaseId,
    Flag,
    OptClerkId,
    WindowNumber,
    code,
    defaulted,
    integer,
    text,
)
from protocol.models.base import Answer, Body, Spec
from protocol.models.queue import Ticket, WindowStatus


class AtWindow(Body):
    """An action at a window: call the next, sign out, resume."""

    window: WindowNumber


# ------------------------------------------------------------------ window.call_next
class CalledTicket(Ticket):
    """The ticket just called to the window, with its item's name for the pad's screen."""

    item_name: Bilingual | None


class CallNextReply(Answer):
    """The ticket called, or null when nobody waits for this window (HTTP: 204)."""

    ticket: CalledTicket | None
    window: int


# ------------------------------------------------------------------ window.sign_in
class WindowSignIn(Body):
    """A clerk signs in at a window and opens it. A clerk's own token signs in that clerk
    (``clerk`` may be left out); a call pad names the clerk."""

    window: WindowNumber
    clerk: OptClerkId = Field(None, description="required unless a clerk's token signs in")


class SignedIn(Answer):
    """The window is open with this clerk."""

    window: int
    clerk: str = Field(examples=["c01"])
    status: WindowStatus


# ------------------------------------------------------------------ sign_out / pause / resume
class WindowPause(Body):
    """Pause a window: it calls nobody until resumed; the reason shows on its screen."""

    window: WindowNumber
    reason: defaulted(text(200, optional=True), "") = ""


class WindowState(Answer):
    """The window's status after the action."""

    window: int
    status: WindowStatus


# ------------------------------------------------------------------ window.print*
#: What the console may ask a window's printer for (the agent fetches the slip's data itself):
#: the case's latest one-time notice (``case.notice_slip``) or its acceptance receipt
#: (``case.receipt_slip``).
PrintDocument = Literal["notice", "receipt"]


class WindowPrint(Body):
    """The console asks the window's agent to print a case's slip on the window's printer: the
    case's latest one-time notice (``notice``, 一次性告知书) or its acceptance receipt
    (``receipt``, 受理回执). The job is kept until the agent prints it."""

    window: WindowNumber
    document: PrintDocument
    case: CaseId


class PrintJob(Answer):
    """A print job of a window, pending until its agent reports it printed."""

    job: int
    window: int
    document: PrintDocument
    case: str
    state: Literal["pending", "kept", "printed", "failed"] = Field(
        description="pending: not yet reported; kept: the printer could not print it yet (paper "
        "out), it is printed when it can; printed; failed: it cannot be printed (no such notice, a case not accepted)"
    )
    reason: str = Field(description="why it is kept or failed (the printer's or the server's word)")
    at: float


class PrintDone(Body):
    """The agent's word on a job: printed, or not (``kept``: it stays on the printer's queue and
    is reported again when printed; otherwise it failed for good)."""

    window: WindowNumber
    job: integer(1)
    printed: Flag = False
    kept: Flag = Field(False, description="not printed yet, still on the printer's queue")
    reason: code(WORD, optional=True, examples=["paper_out"]) = None


class PrintJobs(Answer):
    """The window's print jobs not yet printed, oldest first."""

    window: int
    jobs: list[PrintJob]


REQUESTS: dict[str, Spec] = {
    "window.call_next": Spec(AtWindow, CallNextReply),
    "window.sign_in": Spec(WindowSignIn, SignedIn),
    "window.sign_out": Spec(AtWindow, WindowState),
    "window.pause": Spec(WindowPause, WindowState),
    "window.resume": Spec(AtWindow, WindowState),
    "window.print": Spec(WindowPrint, PrintJob),
    "window.print_done": Spec(PrintDone, PrintJob),
    "window.print_pending": Spec(AtWindow, PrintJobs),
}
