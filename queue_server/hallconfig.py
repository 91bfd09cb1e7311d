"""The hall configuration file (``config/hall.yaml``): the hall, its rules, windows, clerks.

Validated as a whole; every problem is named with its place in the file.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .cases import CardRule, WorkCalendar
from .catalogue import Catalogue
from .engine import HallRules, WindowDef, WindowKind
from .engine.hours import OpeningHours, minutes

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PERIOD = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)", re.ASCII)
#: Public holidays are taken from the work calendar for the years around now (a hall is
#: restarted, and its rules rebuilt, far more often than that).
HOLIDAY_YEARS_AROUND = 2

DEFAULT_HALL_CONFIG = Path(__file__).resolve().parents[1] / "config" / "hall.yaml"


class HallConfigError(ValueError):
    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HallInfo(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9]{2,16}$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    level: Literal["district", "town", "village"] = "district"
    parent: str | None = None


class Rules(_Strict):
    timezone: str = "Asia/Shanghai"
    prefixes: dict[Literal["citizen", "enterprise"], str] = {"citizen": "A", "enterprise": "B"}
    no_show_after_recalls: int = Field(2, ge=0, le=10)
    reservation_min: int = Field(30, ge=0, le=480)
    default_service_min: float = Field(5, gt=0, le=240)
    appointment_capacity: int = Field(4, ge=1, le=500)
    appointment_days_ahead: int = Field(14, ge=0, le=90)
    green_channel_age: int = Field(70, ge=0, le=120)
    hours: dict[Weekday, tuple[str, ...]] | None = None
    holidays_closed: bool = True
    daily_caps: dict[str, int] = {}

    @model_validator(mode="after")
    def _hours(self) -> Rules:
        for day, periods in (self.hours or {}).items():
            last = -1
            for p in periods:
                if not _PERIOD.fullmatch(p):
                    raise ValueError(f"hours.{day}: {p!r} is not a period like 08:30-12:00")
                a, b = (minutes(x) for x in p.split("-"))
                if a >= b:
                    raise ValueError(f"hours.{day}: {p} ends before it starts")
                if a < last:
                    raise ValueError(f"hours.{day}: {p} overlaps the period before it (list them in order)")
                last = b
        for code, cap in self.daily_caps.items():
            if not 0 <= cap <= 100_000:
                raise ValueError(f"daily_caps.{code}: {cap} is not a number of tickets from 0 to 100000")
        return self

    @model_validator(mode="after")
    def _prefixes(self) -> Rules:
        values = list(self.prefixes.values())
        if len(set(values)) != len(values) or not all(v.isalpha() and v.isupper() and len(v) == 1 for v in values):
            raise ValueError("prefixes must be distinct single capital letters")
        if set(self.prefixes) != {"citizen", "enterprise"}:
            raise ValueError("prefixes need both streams: citizen and enterprise")
        return self

    def opening_hours(self, cases: CaseRules | None = None, today: date | None = None) -> OpeningHours | None:
        """The engine's opening hours: None (always open) without ``hours``; else the
        periods per weekday, closed on the hall's closed days and (``holidays_closed``) on
        the public holidays that fall on weekdays."""
        if self.hours is None:
            return None
        hours = self.hours
        week = tuple(tuple((p[:5], p[6:]) for p in hours.get(d, ())) for d in WEEKDAYS)
        cases = cases or CaseRules()
        closed = {d.isoformat() for d in cases.closed_days}
        if self.holidays_closed:
            cal = cases.calendar()
            today = today or date.today()
            day = date(today.year - HOLIDAY_YEARS_AROUND, 1, 1)
            end = date(today.year + HOLIDAY_YEARS_AROUND, 12, 31)
            while day <= end:
                if day.weekday() < 5 and not cal.is_workday(day):
                    closed.add(day.isoformat())
                day += timedelta(days=1)
        return OpeningHours(week, frozenset(closed))

    def engine_rules(self, hall: str, cases: CaseRules | None = None) -> HallRules:
        return HallRules(
            hall=hall,
            timezone=self.timezone,
            prefixes=tuple(self.prefixes.items()),
            no_show_after_recalls=self.no_show_after_recalls,
            reservation_s=self.reservation_min * 60,
            default_service_s=self.default_service_min * 60,
            appointment_capacity=self.appointment_capacity,
            appointment_days_ahead=self.appointment_days_ahead,
            hours=self.opening_hours(cases),
            daily_caps=tuple(self.daily_caps.items()),
            green_channel_age=self.green_channel_age,
        )


class CaseRules(_Strict):
    """Deadlines of cases (办件) in working days. Cases are city-wide and their cards are
    computed by whichever hall writes them, so the halls of a city keep these the same."""

    yellow_share: str = Field("1/3", pattern=r"^\d+/\d+$")  # 黄牌：剩余时间低于时限的此比例
    yellow_days: int = Field(1, ge=0, le=30)  # ...或剩余不超过此工作日数
    verification_days: int = Field(20, ge=1, le=250)  # 告知承诺核查期限
    supplement_days: int = Field(10, ge=1, le=60)  # 一次性告知书上的补正期限
    closed_days: tuple[date, ...] = ()  # 本大厅自定的闭厅日 / the hall's own closed days
    extra_holidays: tuple[date, ...] = ()  # a year chinese_calendar does not know yet: its holidays
    extra_workdays: tuple[date, ...] = ()  # ...and its swapped working weekends (调休上班)

    @model_validator(mode="after")
    def _share(self) -> CaseRules:
        if not 0 < Fraction(self.yellow_share) < 1:
            raise ValueError("yellow_share must be a fraction between 0 and 1, e.g. 1/3")
        return self

    def calendar(self) -> WorkCalendar:
        return WorkCalendar(
            self.closed_days, extra_holidays=self.extra_holidays, extra_workdays=self.extra_workdays
        )

    def card_rule(self) -> CardRule:
        return CardRule(Fraction(self.yellow_share), self.yellow_days)


class WindowConfig(_Strict):
    number: int = Field(ge=1, le=999)
    kind: WindowKind
    stream: Literal["citizen", "enterprise"] = "citizen"
    name: str = ""
    items: tuple[str, ...] = ()

    def definition(self) -> WindowDef:
        return WindowDef(self.number, self.kind, self.stream, self.items, self.name)


class ClerkConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    name: str = Field(min_length=1)
    staff_no: str = Field(min_length=1)
    phone: str = ""
    department: str = ""
    signed_in_at: int | None = None


class HallConfig(_Strict):
    hall: HallInfo
    rules: Rules = Rules()
    cases: CaseRules = CaseRules()
    windows: tuple[WindowConfig, ...] = ()
    clerks: tuple[ClerkConfig, ...] = ()

    def check_against(self, catalogue: Catalogue, source: str) -> None:
        problems: list[str] = []
        numbers = [w.number for w in self.windows]
        for n in sorted({n for n in numbers if numbers.count(n) > 1}):
            problems.append(f"windows: number {n} appears twice")
        for i, w in enumerate(self.windows):
            if w.kind is WindowKind.DEDICATED and not w.items:
                problems.append(f"windows[{i}] (window {w.number}): a dedicated window lists its items")
            for code in w.items:
                if code not in catalogue.items:
                    problems.append(f"windows[{i}] (window {w.number}): item {code} is not in the catalogue")
        ids = [c.id for c in self.clerks]
        for cid in sorted({c for c in ids if ids.count(c) > 1}):
            problems.append(f"clerks: id {cid} appears twice")
        seats = [c.signed_in_at for c in self.clerks if c.signed_in_at is not None]
        for i, c in enumerate(self.clerks):
            if c.signed_in_at is not None and c.signed_in_at not in numbers:
                problems.append(f"clerks[{i}] ({c.id}): signed_in_at {c.signed_in_at} is not a window")
            if c.signed_in_at is not None and seats.count(c.signed_in_at) > 1:
                problems.append(f"clerks[{i}] ({c.id}): window {c.signed_in_at} has two clerks")
            if c.department and c.department not in catalogue.departments:
                problems.append(f"clerks[{i}] ({c.id}): department {c.department} is not in the catalogue")
        for code in self.rules.daily_caps:
            if code not in catalogue.items:
                problems.append(f"rules.daily_caps: item {code} is not in the catalogue")
        if problems:
            raise HallConfigError(source, problems)


def load_hall_config(path: Path) -> HallConfig:
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HallConfigError(str(path), ["file not found"]) from None
    except yaml.YAMLError as e:
        raise HallConfigError(str(path), [f"not valid YAML: {e}"]) from None
    try:
        return HallConfig.model_validate(doc)
    except ValidationError as e:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        raise HallConfigError(str(path), problems) from None
