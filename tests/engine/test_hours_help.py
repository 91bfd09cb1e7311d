"""Opening hours and daily caps, help calls and device health: the pure engine's rules."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.engine import EngineError, HallRules
from queue_server.engine.hours import OpeningHours
from queue_server.engine.state import load_state
from queue_server.engine.views import hall_view
from queue_server.hallconfig import CaseRules, Rules

from .support import MONDAY_0830, Hall, json_state, local, make_engine

WEEKDAY = (("08:30", "12:00"), ("14:00", "17:30"))
HOURS = OpeningHours((WEEKDAY,) * 5 + ((("09:00", "12:00"),), ()), frozenset({"2024-05-08"}))


def hall(**rules: object) -> Hall:
    return Hall(make_engine(HallRules(**rules)))  # type: ignore[arg-type]


def refused(h: Hall, item: str = "C1") -> EngineError:
    with pytest.raises(EngineError) as err:
        h.issue(item)
    return err.value


def test_without_hours_the_hall_is_always_open() -> None:
    h = hall()
    h.now = local(2024, 5, 6, 3, 0)  # 03:00 on a Monday
    assert h.issue("C1").number == "A001"
    assert h.engine.is_open(local(2024, 5, 6, 3, 0)) and h.engine.next_opening(h.now) is None


def test_outside_hours_the_engine_says_when_it_opens_next() -> None:
    h = hall(hours=HOURS)
    h.now = local(2024, 5, 6, 12, 30)  # Monday lunch
    e = refused(h)
    assert e.code == "hall_closed" and e.message_zh and "opens at" in e.message
    assert e.details["next_open"] == "2024-05-06T14:00:00+08:00"
    assert e.details["hours_today"] == [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}]
    h.at(local(2024, 5, 6, 14, 0))
    assert h.issue("C1").number == "A001"
    # Tuesday evening: Wednesday is a closed day, so Thursday morning
    assert refused(h.at(local(2024, 5, 7, 18, 0))).details["next_open"] == "2024-05-09T08:30:00+08:00"
    # Saturday afternoon: Sunday has no hours, Monday opens
    assert refused(h.at(local(2024, 5, 11, 12, 0))).details["next_open"] == "2024-05-13T08:30:00+08:00"


def test_an_appointment_checks_in_whatever_the_hour_and_the_cap() -> None:
    h = hall(hours=HOURS, daily_caps=(("C1", 0),))
    h.now = local(2024, 5, 6, 8, 0)
    h.run(h.engine.book("C1", "2024-05-06", "09:00", h.now, "ABCDEF", id_hash="x"))
    events = h.run(h.engine.check_in("ABCDEF", h.now, h.token()))
    assert events[0].data["appointment"] == "ABCDEF"


def test_a_full_cap_offers_the_next_free_slot_and_counts_only_walk_ins() -> None:
    h = hall(daily_caps=(("C1", 2),))
    h.now = local(2024, 5, 6, 10, 40)
    h.issue("C1")
    h.issue("C2")  # another item: no cap
    assert h.engine.tickets_left("C1", "2024-05-06") == 1
    h.issue("C1")
    e = refused(h)
    assert e.code == "cap_reached" and e.details["cap"] == 2 and e.details["item"] == "C1"
    assert e.details["next_slot"] == {"day": "2024-05-06", "start": "10:30", "end": "11:00", "available": 4}
    # the count survives a checkpoint, and the next day starts afresh
    fresh = make_engine(HallRules(daily_caps=(("C1", 2),)))
    load_state(fresh, json_state(h.engine), h.now)
    assert fresh.tickets_left("C1", "2024-05-06") == 0
    h.engine = fresh
    h.at(local(2024, 5, 7, 9, 0))
    assert h.issue("C1").number == "A001"


def test_the_configuration_closes_public_holidays_and_the_halls_own_days() -> None:
    rules = Rules.model_validate({"hours": {"mon": ["08:30-12:00"], "fri": ["08:30-12:00"]}})
    hours = rules.opening_hours(CaseRules(closed_days=(date(2024, 5, 13),)), today=date(2024, 5, 6))
    assert hours is not None
    assert hours.periods_on(date(2024, 5, 6)) == (("08:30", "12:00"),)
    assert hours.periods_on(date(2024, 5, 1)) == ()  # Labour Day, a Wednesday anyway
    assert hours.periods_on(date(2024, 5, 3)) == ()  # a Friday of the May holiday
    assert hours.periods_on(date(2024, 5, 13)) == ()  # the hall's own closed day
    assert hours.periods_on(date(2024, 5, 7)) == ()  # Tuesday: not listed
    for bad in ({"mon": ["8:30-12:00"]}, {"mon": ["12:00-08:30"]}, {"mon": ["08:00-12:00", "11:00-13:00"]}):
        with pytest.raises(ValueError):
            Rules.model_validate({"hours": bad})


def test_help_calls_one_per_kiosk_until_answered_and_kept_in_checkpoints() -> None:
    h = Hall(now=MONDAY_0830)
    first = h.run(h.engine.request_help("kiosk-1", h.now, reason="不会操作", screen="home"))
    assert first[0].type == "hall.help_requested" and first[0].data["help"] == 1
    assert h.run(h.engine.request_help("kiosk-1", h.tick().now)) == []  # the same call
    h.run(h.engine.request_help("kiosk-2", h.now))
    assert [c["kiosk"] for c in hall_view(h.engine)["help_calls"]] == ["kiosk-1", "kiosk-2"]
    fresh = make_engine()
    load_state(fresh, json_state(h.engine), h.now)
    h.engine = fresh
    h.run(h.engine.answer_help(1, h.tick(30).now, "manager"))
    assert [c["id"] for c in hall_view(h.engine)["help_calls"]] == [2]
    with pytest.raises(EngineError) as err:
        h.engine.answer_help(1, h.now, "manager")
    assert err.value.code == "not_found"
    assert h.run(h.engine.request_help("kiosk-1", h.now))[0].data["help"] == 3  # a new call


def test_device_health_keeps_the_newest_per_reporter_and_device() -> None:
    h = Hall(now=MONDAY_0830)
    report = h.engine.report_health
    h.run(report("kiosk-1", "printer", "printer", "degraded", h.now, old="ok", reason="paper low", reported_at=""))
    h.run(report("kiosk-1", "printer", "printer", "missing", h.tick().now, old="degraded", reason="", reported_at=""))
    h.run(report("kiosk-2", "printer", "printer", "ok", h.now, old=None, reason="", reported_at=""))
    assert {k: v.status for k, v in h.engine.device_health.items()} == {
        ("kiosk-1", "printer"): "missing",
        ("kiosk-2", "printer"): "ok",
    }
    with pytest.raises(EngineError) as err:
        report("kiosk-1", "printer", "printer", "broken", h.now, old=None, reason="", reported_at="")
    assert err.value.code == "bad_request" and err.value.details["field"] == "status"


def test_a_cap_on_an_item_the_catalogue_lacks_is_named() -> None:
    import yaml

    from queue_server.catalogue import load_catalogue
    from queue_server.hallconfig import DEFAULT_HALL_CONFIG, HallConfig, HallConfigError
    from queue_server.runtime import DEFAULT_CATALOGUE

    doc = yaml.safe_load(DEFAULT_HALL_CONFIG.read_text(encoding="utf-8"))
    doc["rules"]["daily_caps"] = {"C-XX-999": 5}
    config = HallConfig.model_validate(doc)
    with pytest.raises(HallConfigError) as err:
        config.check_against(load_catalogue(DEFAULT_CATALOGUE), "hall.yaml")
    assert err.value.problems == ["rules.daily_caps.C-XX-999: item C-XX-999 is not in the catalogue"]
    assert config.rules.engine_rules("H01").cap("C-XX-999") == 5 and config.rules.green_channel_age == 70
