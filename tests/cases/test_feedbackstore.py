"""The manager's lists (``queue_server.store.feedbackstore``): complaints by state and overdue,
open follow-ups of bad ratings, flagged one-time notices; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from queue_server.cases import ComplaintState, Source, Subject
from queue_server.store.casestore import CaseStore
from queue_server.store.feedbackstore import FeedbackStore

from . import APPLICANT, CAL, SIMPLE, kiosk, ts, window
from .test_store import open_store


def jan(day: int, hour: int = 10) -> float:
    return ts(2025, 1, day, hour)  # January 2025: Mondays on the 6th, 13th, 20th


def test_lists(database_url: str, engines: list[Engine]) -> None:
    store: CaseStore = open_store(database_url, engines, fresh=True)
    fb = FeedbackStore(store.engine)

    # ---- complaints: one waiting to be accepted, one being answered, one closed, one new
    store.file_complaint(
        "TS-1", "排队太久", Source.KIOSK, jan(6), category="efficiency", phone_cipher="sealed-elsewhere"
    )
    store.file_complaint("TS-2", "态度不好", Source.WEB, jan(6, 11), subject=Subject("case", "K1"))
    store.accept_complaint("TS-2", "c01", jan(7))
    store.file_complaint("TS-3", "空调太冷", Source.WEB, jan(6, 12))
    store.accept_complaint("TS-3", "c02", jan(7))
    store.answer_complaint("TS-3", "已调整温度", "c02", jan(8))
    store.close_complaint("TS-3", "m1", jan(9))
    store.file_complaint("TS-4", "指引不清", Source.KIOSK, jan(13))

    everything, total = fb.complaints()
    assert [c.id for c in everything] == ["TS-1", "TS-2", "TS-3", "TS-4"] and total == 4
    filed, _ = fb.complaints(states=(ComplaintState.FILED,))
    assert [c.id for c in filed] == ["TS-1", "TS-4"]
    open_, _ = fb.complaints(states=(ComplaintState.FILED, ComplaintState.ACCEPTED, ComplaintState.ANSWERED))
    assert [c.id for c in open_] == ["TS-1", "TS-2", "TS-4"]
    # the objects are the core's, as CaseStore reads them one by one
    assert everything[1] == store.complaint("TS-2") and everything[2].answer == "已调整温度"
    # TS-1 had to be accepted within 2 working days (by Wednesday the 8th)
    assert everything[0].accept_due == date(2025, 1, 8)
    # category and the (caller-encrypted) phone come back from the row; without them: "other", none
    assert (everything[0].category.value, everything[0].phone_cipher) == ("efficiency", "sealed-elsewhere")
    assert (everything[1].category.value, everything[1].phone_cipher) == ("other", None)
    late, n_late = fb.complaints(overdue_on=date(2025, 1, 14))
    assert [c.id for c in late] == ["TS-1"] and n_late == 1
    assert fb.complaints(overdue_on=date(2025, 1, 8))[0] == []  # due that day: not late yet
    # TS-2's answer is due 15 working days after the 7th: late the day after (TS-4 by then too),
    # while the closed TS-3 is never late
    answer_due = CAL.add_workdays(date(2025, 1, 7), 15)
    assert everything[1].answer_due == answer_due
    assert [c.id for c in fb.complaints(overdue_on=answer_due)[0]] == ["TS-1", "TS-4"]
    after = date.fromordinal(answer_due.toordinal() + 1)
    assert [c.id for c in fb.complaints(overdue_on=after)[0]] == ["TS-1", "TS-2", "TS-4"]
    first, total = fb.complaints(limit=1)
    assert [c.id for c in first] == ["TS-1"] and total == 4
    assert fb.complaint_counts(date(2025, 1, 14)) == {
        "filed": 2,
        "accepted": 1,
        "answered": 0,
        "closed": 1,
        "overdue": 1,
    }

    # ---- follow-ups: two bad ratings (one answered), one good
    store.rate("E1", Subject("case", "K1"), "step-0:submit", 1, Source.KIOSK, jan(6), window=1, clerk="c01")
    store.rate("E2", Subject("ticket", "T9"), "visit", 2, Source.KEYPAD, jan(13), window=2, clerk="c02")
    store.rate("E3", Subject("case", "K1"), "step-1:accept", 5, Source.WEB, jan(13))
    store.answer_follow_up("E2", "已约谈窗口人员", "m1", jan(14))
    open_fu, n_open = fb.follow_ups()
    assert [e.id for e in open_fu] == ["E1"] and n_open == 1
    assert open_fu[0].follow_up_due == CAL.add_workdays(date(2025, 1, 6), 15)
    assert [e.id for e in fb.follow_ups(answered=True)[0]] == ["E2"]
    assert [e.id for e in fb.follow_ups(answered=None)[0]] == ["E1", "E2"]  # the good one has none
    due = open_fu[0].follow_up_due
    assert due is not None
    assert fb.follow_ups(overdue_on=due)[0] == []
    assert [e.id for e in fb.follow_ups(overdue_on=date.fromordinal(due.toordinal() + 1))[0]] == ["E1"]

    # ---- one-time notices: K1's second notice asks for a material the first did not list
    for cid in ("K1", "K2"):
        store.submit(cid, SIMPLE, APPLICANT, window("c01"), jan(6), materials=["id_card"])
    store.act("K1", "issue_notice", window("c01"), jan(6, 11), ["photo"])
    store.act("K1", "supplement", kiosk(), jan(7), ["photo"])
    store.act("K1", "issue_notice", window("c02", number=2), jan(7, 11), ["form"])
    store.act("K2", "issue_notice", window("c01"), jan(6, 11), ["photo", "form"])
    store.act("K2", "supplement", kiosk(), jan(7), ["photo"])
    store.act("K2", "issue_notice", window("c01"), jan(7, 11), ["form"])  # still missing: fine
    flagged, n_flagged = fb.flagged_notices()
    assert n_flagged == 1 and len(flagged) == 1
    n = flagged[0]
    assert (n.case, n.number, n.by, n.hall, n.item_code, n.department) == (
        "K1",
        2,
        "c02",
        "H01",
        SIMPLE.code,
        SIMPLE.department,
    )
    assert n.materials == ["form"] and n.new == ["form"]
