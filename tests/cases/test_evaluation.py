"""好差评 and complaints."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.cases import ComplaintCategory, ComplaintState, Feedback, Level, Source, Subject
from queue_server.engine.errors import EngineError

from . import CAL, ts

CASE = Subject("case", "K1")
TICKET = Subject("ticket", "H01-20250926-A012")


def feedback() -> Feedback:
    return Feedback(CAL)


def test_five_levels_with_their_chinese_names() -> None:
    assert [lvl.zh for lvl in sorted(Level, reverse=True)] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    assert [lvl.bad for lvl in sorted(Level)] == [True, True, False, False, False]


def test_one_rating_per_service_event() -> None:
    fb = feedback()
    fb.apply_all(fb.rate("E1", CASE, "accept", 5, "keypad", ts(2025, 3, 3), hall="H01", window=3, clerk="c1"))
    with pytest.raises(EngineError) as err:
        fb.rate("E2", CASE, "accept", 4, "web", ts(2025, 3, 3, 11))
    assert err.value.code == "conflict" and "重复评价" in err.value.message_zh
    fb.apply_all(fb.rate("E2", CASE, "hand_out", 4, "kiosk", ts(2025, 3, 5)))  # another service of the case
    fb.apply_all(fb.rate("E3", TICKET, "visit", 3, Source.KEYPAD, ts(2025, 3, 5)))  # no case: the ticket
    assert {e.id for e in fb.evaluations.values()} == {"E1", "E2", "E3"}
    assert fb.evaluations["E1"].follow_up_due is None


def test_bad_input_is_refused() -> None:
    fb = feedback()
    for level in (0, 6):
        with pytest.raises(EngineError) as err:
            fb.rate("E1", CASE, "accept", level, "web", 0.0)
        assert err.value.code == "bad_request"
    with pytest.raises(EngineError):
        fb.rate("E1", CASE, "accept", 5, "fax", 0.0)
    with pytest.raises(EngineError):
        Subject("window", "3")


def test_a_bad_rating_opens_a_follow_up_due_in_15_working_days() -> None:
    fb = feedback()
    # Fri before 国庆 2025: 9-28, 9-29, 9-30, 10-9, 10-10, 10-11 (Sat, worked), then 13-17, 20-23
    fb.apply_all(fb.rate("E1", CASE, "accept", 2, "kiosk", ts(2025, 9, 26), clerk="c1", comment="态度差"))
    ev = fb.evaluations["E1"]
    assert ev.follow_up_due == date(2025, 10, 23)
    fb.apply_all(fb.rate("E2", TICKET, "visit", 1, "keypad", ts(2025, 9, 26)))
    assert fb.overdue(date(2025, 10, 23)) == []
    late = fb.overdue(date(2025, 10, 27))
    assert [(o.kind, o.id, o.days_late) for o in late] == [("follow_up", "E1", 2), ("follow_up", "E2", 2)]
    fb.apply_all(fb.answer_follow_up("E1", "已约谈窗口人员并回访", "m1", ts(2025, 10, 24)))
    assert [o.id for o in fb.overdue(date(2025, 10, 27))] == ["E2"]
    with pytest.raises(EngineError) as err:
        fb.answer_follow_up("E1", "again", "m1", ts(2025, 10, 24))
    assert err.value.code == "conflict"


def test_a_good_rating_has_no_follow_up() -> None:
    fb = feedback()
    fb.apply_all(fb.rate("E1", CASE, "accept", 3, "web", ts(2025, 3, 3)))
    with pytest.raises(EngineError) as err:
        fb.answer_follow_up("E1", "thanks", "m1", ts(2025, 3, 4))
    assert err.value.code == "conflict"
    with pytest.raises(EngineError) as err:
        fb.answer_follow_up("E9", "thanks", "m1", ts(2025, 3, 4))
    assert err.value.code == "not_found"


def test_a_complaint_goes_filed_accepted_answered_closed_with_deadlines() -> None:
    fb = Feedback(CAL, complaint_accept_days=2, complaint_answer_days=15)
    fb.apply_all(fb.file_complaint("T1", "等候时间过长", "kiosk", ts(2025, 1, 24), subject=TICKET))
    c = fb.complaints["T1"]
    assert c.state is ComplaintState.FILED and c.accept_due == date(2025, 1, 27)  # 1-26 Sunday was worked
    assert [o.kind for o in fb.overdue(date(2025, 2, 5))] == ["complaint_accept"]
    with pytest.raises(EngineError) as err:
        fb.answer_complaint("T1", "x", "m1", ts(2025, 1, 25))
    assert err.value.code == "conflict"
    fb.apply_all(fb.accept_complaint("T1", "m1", ts(2025, 2, 5)))
    assert c.state is ComplaintState.ACCEPTED and c.answer_due == date(2025, 2, 25)  # 2-8 Saturday was worked
    assert fb.overdue(date(2025, 2, 25)) == []
    assert [o.kind for o in fb.overdue(date(2025, 2, 26))] == ["complaint_answer"]
    with pytest.raises(EngineError) as err:
        fb.answer_complaint("T1", " ", "m1", ts(2025, 2, 20))
    assert err.value.code == "bad_request"
    fb.apply_all(fb.answer_complaint("T1", "已增开窗口", "m1", ts(2025, 2, 20)))
    fb.apply_all(fb.close_complaint("T1", "m1", ts(2025, 2, 21)))
    assert c.state is ComplaintState.CLOSED and c.answer == "已增开窗口"
    assert [h[0] for h in c.history] == ["filed", "accepted", "answered", "closed"]
    assert fb.overdue(date(2025, 12, 1)) == []
    with pytest.raises(EngineError) as err:
        fb.close_complaint("T1", "m1", ts(2025, 2, 22))
    assert err.value.code == "conflict"
    with pytest.raises(EngineError) as err:
        fb.file_complaint("T2", "", "web", 0.0)
    assert err.value.code == "bad_request"


def test_a_complaint_has_a_category_and_keeps_its_phone_as_given_encrypted() -> None:
    fb = feedback()
    fb.apply_all(fb.file_complaint("T1", "等候时间过长", "kiosk", ts(2025, 1, 24)))
    assert fb.complaints["T1"].category is ComplaintCategory.OTHER and fb.complaints["T1"].phone_cipher is None
    fb.apply_all(
        fb.file_complaint("T2", "态度生硬", "kiosk", ts(2025, 1, 24), category="attitude", phone_cipher="gAAA-cipher")
    )
    c = fb.complaints["T2"]
    assert c.category is ComplaintCategory.ATTITUDE and c.phone_cipher == "gAAA-cipher"
    assert c.category.label == {"zh": "服务态度", "en": "Service attitude"}
    assert [k.label["zh"] for k in ComplaintCategory] == ["服务态度", "办事效率", "工作纪律", "环境设施", "其他"]
    for bad in ("rude", "Attitude!", 3, None):
        with pytest.raises(EngineError) as err:
            fb.file_complaint("T3", "x", "web", 0.0, category=bad)  # type: ignore[arg-type]
        assert err.value.code == "bad_request" and err.value.details == {"field": "category"}
        assert "attitude" in err.value.message and "服务态度" in err.value.message_zh
