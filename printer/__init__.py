"""Tickets, notices and receipts on ESC/POS printers; certificates on A4; printer simulator.

    slip dataclasses (slips) → layouts → Document → EscPosRenderer → bytes
    bytes → Spooler → EscPosPrinter (status, acknowledgements) → Transport (serial/USB/TCP/CUPS)

See printer/README.md. Imports here are light; the simulator and certificates load on use.
"""

from printer.device import EscPosPrinter
from printer.document import Document
from printer.layouts import acceptance_receipt, materials_checklist, one_time_notice, ticket
from printer.profiles import Profile, get_profile, load_profiles
from printer.render import EscPosRenderer
from printer.slips import AcceptanceReceipt, MaterialsChecklist, OneTimeNoticeSlip, TicketSlip
from printer.spooler import JobState, PrintJob, Spooler
from printer.status import PrinterStatus, StatusLevel
from printer.transports import open_transport

__all__ = [
    "AcceptanceReceipt",
    "Document",
    "EscPosPrinter",
    "EscPosRenderer",
    "JobState",
    "MaterialsChecklist",
    "OneTimeNoticeSlip",
    "PrintJob",
    "PrinterStatus",
    "Profile",
    "Spooler",
    "StatusLevel",
    "TicketSlip",
    "acceptance_receipt",
    "get_profile",
    "load_profiles",
    "materials_checklist",
    "one_time_notice",
    "open_transport",
    "ticket",
]
