"""Request and reply models: the visitor in front of a clerk's window (``visitor.at_window``,
``visitor.start_case``).

The window's current ticket carries the visitor's ID number encrypted (read from their card
at the kiosk): the server finds their cases and certificates by it, and starts a case for
them, without the number ever leaving the server, except on an explicit ``reveal`` by the
clerk signed in there, which is audited.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from protocol.fields import Bilingual, Materials, OptItemCode, OptWindowNumber, flag
from protocol.models.base import Answer, Body, Part, Spec
from protocol.models.cases import SubmittedCase
from protocol.models.hall import CaseLine, CertificateReady

#: A visitor's open cases the console lists at most (newest first).
MAX_WINDOW_CASES = 20

MaterialStatus = Literal["given", "on_file", "owed", "missing"]


# ------------------------------------------------------------------ requests
class WindowVisitorQuery(Body):
    """The current visitor at the clerk's window: their ID masked, open cases and
    certificates on file (the clerk signed in at the window only)."""

    window: OptWindowNumber = Field(None, description="default: the window the clerk is signed in at")
    reveal: flag(description="the whole ID number too: an explicit click of the clerk, audited") = False


class CaseSubmitAtWindow(Body):
    """Start a case for the window's current visitor (by the ID card their ticket was taken
    with): the clerk becomes its first-inquiry officer (首问负责)."""

    window: OptWindowNumber = Field(None, description="default: the window the clerk is signed in at")
    item_code: OptItemCode = Field(None, description="default: the item the ticket was taken for")
    materials: Materials = Field([], description="material codes of the item's guide handed in")


# ------------------------------------------------------------------ replies
class CaseMaterial(Part):
    """One material of the item's guide, as it stands for this case (or for a new one)."""

    code: str
    name: Bilingual
    required: bool
    original: bool
    copies: int
    status: MaterialStatus = Field(
        description="given: handed in; on_file: an e-certificate of the visitor replaces it; "
        "owed: a one-time notice asks for it; missing: not yet given"
    )
    certificate: str | None = Field(description="the e-certificate on file that replaces it")


class WindowCase(CaseLine):
    """An open case of the visitor, with what the console offers on it."""

    first_inquiry_clerk: str | None
    commitment_allowed: bool = Field(description="the item allows 告知承诺")
    commitment: bool
    notices: int = Field(description="one-time notices issued so far")
    refusal_reason: str | None
    materials: list[CaseMaterial]


class NewCase(Part):
    """The ticket's item, which the visitor has no open case of: a case to start."""

    item_code: str
    item_name: Bilingual | None
    commitment_allowed: bool
    materials: list[CaseMaterial]


class WindowVisitor(Answer):
    """The visitor at the window (no ticket: ``ticket`` null, nothing else)."""

    window: int
    ticket: str | None
    number: str | None
    item_code: str | None
    has_id: bool = Field(description="the ticket was taken with an ID card")
    id_masked: str | None = Field(description="masked: 1101**********002X")
    id_number: str | None = Field(description="only on reveal (audited)")
    enterprise: str | None = Field(description="the enterprise's registered name (法人 items)")
    cases: list[WindowCase]
    certificates: list[CertificateReady]
    new_case: NewCase | None


REQUESTS: dict[str, Spec] = {
    "visitor.at_window": Spec(WindowVisitorQuery, WindowVisitor),
    "visitor.start_case": Spec(CaseSubmitAtWindow, SubmittedCase),
}
