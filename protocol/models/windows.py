"""Request and reply models: windows (``window.*``), from call pads and clerks.

The ticket a window calls is the queue's :class:`~protocol.models.queue.Ticket`: this module
takes its parts from :mod:`protocol.models.queue`."""

from __future__ import annotations

from pydantic import Field

from protocol.fields import Bilingual, OptClerkId, WindowNumber, defaulted, text
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


REQUESTS: dict[str, Spec] = {
    "window.call_next": Spec(AtWindow, CallNextReply),
    "window.sign_in": Spec(WindowSignIn, SignedIn),
    "window.sign_out": Spec(AtWindow, WindowState),
    "window.pause": Spec(WindowPause, WindowState),
    "window.resume": Spec(AtWindow, WindowState),
}
