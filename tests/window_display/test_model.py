"""The display model alone: snapshot, events, counts, calls to announce, recovered calls."""

from __future__ import annotations

import copy
from typing import Any

from window_display.model import Call, HallModel


def window(n: int, **kw: Any) -> dict[str, Any]:
    base = {"number": n, "name": "综合窗口 Comprehensive", "kind": "comprehensive", "stream": "citizen",
            "items": [], "status": "open", "pause_reason": None,
            "clerk": {"id": f"c0{n}", "name": f"Clerk {n}", "staff_no": f"SF010{n}"},
            "current": None, "recent": []}
    return base | kw


def snapshot(seq: int = 10, **state: Any) -> dict[str, Any]:
    base = {"windows": [window(1), window(2), window(3, status="closed", clerk=None)],
            "waiting": [{"id": "t-A001", "number": "A001", "item_code": "C-JY-001", "stream": "citizen"}],
            "waiting_total": 1, "waiting_by_stream": {"citizen": 1, "enterprise": 0},
            "waiting_by_item": {"C-JY-001": 1}, "avg_service_s": {"citizen": 300.0},
            "avg_wait_s": {"citizen": 120.0}, "notices": [{"zh": "通知", "en": "Notice"}]}
    return {"hall": "H01", "epoch": "e1", "seq": seq, "state": base | state}


def event(seq: int, type_: str, **data: Any) -> dict[str, Any]:
    return {"v": 1, "hall": "H01", "epoch": "e1", "seq": seq, "type": type_, "at": "2026-01-05T09:00:00+08:00",
            "data": data}


def test_snapshot_then_issue_call_recall_complete() -> None:
    m = HallModel()
    assert m.load_snapshot(snapshot()) == []  # a fresh display announces nothing old
    assert m.window(1).clerk == {"id": "c01", "name": "Clerk 1", "staff_no": "SF0101"}
    assert m.notices == [{"zh": "通知", "en": "Notice"}]
    assert m.apply(event(11, "ticket.issued", ticket="t-B001", number="B001", item="E-1", stream="enterprise")) == []
    assert (m.waiting_total, m.waiting_by_stream, m.waiting_by_item) == (
        2, {"citizen": 1, "enterprise": 1}, {"C-JY-001": 1, "E-1": 1})
    calls = m.apply(event(12, "ticket.called", ticket="t-A001", number="A001", window=1, item="C-JY-001",
                          waited_s=220.0))
    assert calls == [Call("A001", 1, "call", "t-A001", "2026-01-05T09:00:00+08:00")]
    assert m.window(1).current == {"id": "t-A001", "number": "A001", "item_code": "C-JY-001", "state": "called"}
    assert m.window(1).recent == ["A001"]
    assert m.waiting_total == 1 and m.waiting_by_stream["citizen"] == 0 and "C-JY-001" not in m.waiting_by_item
    assert m.avg_wait_s["citizen"] == 130.0  # the engine's moving average, weight 0.1
    assert m.latest_call == calls[0]
    assert [c.kind for c in m.apply(event(13, "ticket.recalled", ticket="t-A001", number="A001", window=1,
                                          recalls=1))] == ["recall"]
    m.apply(event(14, "ticket.started", ticket="t-A001", number="A001", window=1))
    assert m.window(1).current["state"] == "serving"
    m.apply(event(15, "ticket.completed", ticket="t-A001", number="A001", window=1))
    assert m.window(1).current is None and m.window(1).recent == ["A001"]
    assert m.seq == 15


def test_windows_pause_resume_sign_out_sign_in_and_notices() -> None:
    m = HallModel()
    m.load_snapshot(snapshot())
    m.apply(event(11, "window.paused", window=2, reason="午休 Lunch"))
    assert (m.window(2).status, m.window(2).pause_reason) == ("paused", "午休 Lunch")
    m.apply(event(12, "window.resumed", window=2))
    assert m.window(2).status == "open"
    m.apply(event(13, "window.signed_out", window=2, clerk="c02"))
    assert m.window(2).status == "closed" and m.window(2).clerk is None
    m.apply(event(14, "window.signed_in", window=3, clerk="c02"))  # a clerk known from the snapshot
    assert m.window(3).clerk == {"id": "c02", "name": "Clerk 2", "staff_no": "SF0102"}
    m.apply(event(15, "window.signed_in", window=2, clerk="c07", clerk_name="黄志强", staff_no="SF0107"))
    assert m.window(2).clerk == {"id": "c07", "name": "黄志强", "staff_no": "SF0107", "phone": ""}  # named in the event
    m.apply(event(16, "window.signed_in", window=4, clerk="c09"))  # unknown: id only, until a snapshot
    assert m.window(4).clerk == {"id": "c09", "name": "", "staff_no": ""}
    m.apply(event(17, "hall.notices", notices=[{"zh": "新", "en": "New"}]))
    assert m.notices == [{"zh": "新", "en": "New"}]


def test_transfer_and_cancel_keep_the_counts() -> None:
    m = HallModel()
    m.load_snapshot(snapshot())
    m.apply(event(11, "ticket.called", ticket="t-A001", number="A001", window=1, item="C-JY-001"))
    assert m.waiting_total == 0
    m.apply(event(12, "ticket.transferred", ticket="t-A001", number="A001", from_window=1, to_window=2,
                  to_item=None))
    assert m.window(1).current is None
    assert m.waiting_total == 1 and m.waiting_by_item == {"C-JY-001": 1} and m.waiting_by_stream["citizen"] == 1
    m.apply(event(13, "ticket.issued", ticket="t-A002", number="A002", item="C-JY-001", stream="citizen"))
    m.apply(event(14, "ticket.cancelled", ticket="t-A002", number="A002"))
    assert m.waiting_total == 1 and m.waiting_by_item == {"C-JY-001": 1}


def test_a_resync_announces_calls_whose_events_were_lost() -> None:
    m = HallModel()
    m.load_snapshot(snapshot())
    later = snapshot(seq=14, windows=[
        window(1, current={"id": "t-A001", "number": "A001", "item_code": "C-JY-001", "state": "called"},
               recent=["A001"]),
        window(2, current={"id": "t-A000", "number": "A000", "item_code": "C-JY-001", "state": "serving"}),
        window(3, status="closed", clerk=None)])
    assert m.load_snapshot(later) == [Call("A001", 1, "call", "t-A001")]
    assert m.latest_call == Call("A001", 1, "call", "t-A001")
    assert m.load_snapshot(copy.deepcopy(later)) == []  # nothing new: nothing said twice


def test_waiting_by_item_group_uses_the_catalogue_themes() -> None:
    m = HallModel()
    m.load_catalogue({
        "hall_name": {"zh": "示范区政务服务中心", "en": "Shifan"},
        "themes": {"public_education": {"zh": "公共教育", "en": "Public education"}},
        "items": [{"code": "C-JY-001", "name": {"zh": "转学", "en": "School transfer"}, "stream": "citizen",
                   "theme": "public_education"},
                  {"code": "C-JY-002", "name": {"zh": "入学", "en": "Enrolment"}, "stream": "citizen",
                   "theme": "public_education"}]})
    m.load_snapshot(snapshot(waiting_by_item={"C-JY-001": 2, "C-JY-002": 1, "X-9": 4}))
    assert m.waiting_by_group() == [("其他", "Other", 4), ("公共教育", "Public education", 3)]
    assert m.item_name("C-JY-002") == ("入学", "Enrolment")
    assert m.hall_name == {"zh": "示范区政务服务中心", "en": "Shifan"}
    # a called ticket the model never saw issued: its stream comes from the catalogue
    m.apply(event(11, "ticket.called", ticket="t-A009", number="A009", window=2, item="C-JY-002"))
    assert m.waiting_by_stream["citizen"] == 0


def test_a_visitor_passed_over_leaves_the_window_and_waits_again() -> None:
    """ticket.requeued (called, never came, back in line by the recall rules)."""
    m = HallModel()
    m.load_snapshot(snapshot())
    m.apply(event(11, "ticket.called", ticket="t-A001", number="A001", window=1, item="C-JY-001"))
    assert m.waiting_total == 0
    assert m.apply(event(12, "ticket.requeued", ticket="t-A001", number="A001", window=1, item="C-JY-001",
                         stream="citizen", missed=1, reason="passed_over")) == []
    assert m.window(1).current is None and m.window(1).recent == ["A001"]
    assert m.waiting_total == 1 and m.waiting_by_stream["citizen"] == 1 and m.waiting_by_item == {"C-JY-001": 1}
