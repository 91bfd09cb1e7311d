"""Cases (办件) and what hangs on them: the pure core (no database, sockets or clock).

- ``workdays``: the Chinese working-day calendar plus a hall's closed days;
- ``lifecycle``: the case state machine (``CaseBook``), one-time notices, parallel tasks, visits;
- ``deadlines``: paused clocks, yellow and red cards, the supervision list;
- ``certificates``: the e-certificate registry (电子证照);
- ``evaluation``: 好差评 and complaints;
- ``reports``: 三四三/五三二, visits, cards by department, ratings by window and clerk.
"""

from .certificates import (
    Certificate,
    CertificateRegistry,
    MaterialsCheck,
    verification_code,
)
from .deadlines import Card, CardRule, Clock, Pause, Watch, supervision_list
from .evaluation import (
    Complaint,
    ComplaintCategory,
    ComplaintState,
    Evaluation,
    Feedback,
    Level,
    Source,
    Subject,
)
from .lifecycle import (
    Case,
    CaseBook,
    CaseItem,
    CaseState,
    Channel,
    Decision,
    OneTimeNotice,
    ParallelTask,
    Party,
    Role,
    Step,
    Verification,
    Where,
)
from .workdays import WorkCalendar

__all__ = [
    "Card",
    "CardRule",
    "Case",
    "CaseBook",
    "CaseItem",
    "CaseState",
    "Certificate",
    "CertificateRegistry",
    "Channel",
    "Clock",
    "Complaint",
    "ComplaintCategory",
    "ComplaintState",
    "Decision",
    "Evaluation",
    "Feedback",
    "Level",
    "MaterialsCheck",
    "OneTimeNotice",
    "ParallelTask",
    "Party",
    "Pause",
    "Role",
    "Source",
    "Step",
    "Subject",
    "Verification",
    "Watch",
    "Where",
    "WorkCalendar",
    "supervision_list",
    "verification_code",
]
