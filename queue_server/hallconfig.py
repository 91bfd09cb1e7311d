"""The hall configuration file (``config/hall.yaml``): the hall, its rules, windows, clerks.

Validated as a whole; every problem is named with its place in the file.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .cases import CardRule, WorkCalendar
from .catalogue import Catalogue
from .engine import HallRules, SlotTemplate, WindowDef, WindowKind
from .engine.hours import OpeningHours, minutes
from .engine.model import DEFAULT_APPOINTMENT_PERIODS, DEFAULT_SLOT_MIN, slot_templates

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


def _period_problems(where: str, periods: tuple[str, ...]) -> list[str]:
    """Problems of a list of "HH:MM-HH:MM" periods: the format, each in order, none overlapping."""
    problems, last = [], -1
    for i, p in enumerate(periods):
        at = f"{where}[{i}]"
        if not _PERIOD.fullmatch(p):
            problems.append(f"{at}: {p!r} is not a period like 08:30-12:00")
            continue
        a, b = (minutes(x) for x in p.split("-"))
        if a >= b:
            problems.append(f"{at}: {p} ends before it starts")
        elif a < last:
            problems.append(f"{at}: {p} overlaps the period before it (list them in order)")
        last = max(last, b)
    return problems


class SlotEntry(_Strict):
    """One appointment slot of an explicit list, with its own capacity."""

    time: str = Field(description="HH:MM-HH:MM, local")
    capacity: int | None = Field(None, ge=0, le=500)


class Rules(_Strict):
    timezone: str = "Asia/Shanghai"
    prefixes: dict[Literal["citizen", "enterprise"], str] = {"citizen": "A", "enterprise": "B"}
    no_show_after_recalls: int = Field(2, ge=0, le=10)
    reservation_min: int = Field(30, ge=0, le=480)
    default_service_min: float = Field(5, gt=0, le=240)
    appointment_capacity: int = Field(4, ge=1, le=500)
    appointment_days_ahead: int = Field(14, ge=0, le=90)
    # 预约时段 / appointment slots: slots of appointment_slot_min minutes laid over these
    # periods, or an explicit list (a slot as "09:00-09:30" or {time: ..., capacity: n}).
    appointment_periods: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in DEFAULT_APPOINTMENT_PERIODS)
    appointment_slot_min: int = Field(DEFAULT_SLOT_MIN, ge=5, le=480)
    appointment_slots: tuple[str | SlotEntry, ...] | None = None
    green_channel_age: int = Field(70, ge=0, le=120)
    hours: dict[Weekday, tuple[str, ...]] | None = None
    holidays_closed: bool = True
    daily_caps: dict[str, int] = {}

    @model_validator(mode="after")
    def _checked(self) -> Rules:
        # Every problem at once, one a line: the loader names each under "rules.".
        problems = self.problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def problems(self) -> list[str]:
        """What is wrong with the hours, slots and caps, each named by its place under rules."""
        problems: list[str] = []
        for day, periods in (self.hours or {}).items():
            problems += _period_problems(f"hours.{day}", periods)
        for code, cap in self.daily_caps.items():
            if not 0 <= cap <= 100_000:
                problems.append(f"daily_caps.{code}: {cap} is not a number of tickets from 0 to 100000")
        if self.appointment_slots is not None:
            # Both given (and the periods not the default a stored copy of the rules carries):
            # which one is meant cannot be guessed.
            if self.appointment_periods != Rules.model_fields["appointment_periods"].default:
                problems.append("appointment_slots: give the slots or appointment_periods, not both")
            problems += _period_problems("appointment_slots", tuple(_slot_time(x) for x in self.appointment_slots))
        else:
            found = _period_problems("appointment_periods", self.appointment_periods)
            problems += found
            if not found:
                for i, p in enumerate(self.appointment_periods):
                    a, b = (minutes(x) for x in p.split("-"))
                    if b - a < self.appointment_slot_min:
                        problems.append(
                            f"appointment_periods[{i}]: {p} is shorter than one slot ({self.appointment_slot_min} minutes)"
                        )
        # A slot listed one by one must lie in the hours of some day; slots cut from periods
        # are only closed where the hours leave them out (HallEngine.slots), unless none is left.
        explicit = self.appointment_slots is not None
        if self.hours is not None and not problems:
            open_ = [(minutes(p[:5]), minutes(p[6:])) for periods in self.hours.values() for p in periods]
            outside = [
                (i, slot)
                for i, slot in enumerate(self.slot_templates())
                if not any(x <= minutes(slot.start) and minutes(slot.end) <= y for x, y in open_)
            ]
            if explicit:
                problems += [
                    f"appointment_slots[{i}]: the slot {slot.start}-{slot.end} lies outside the opening hours of every day"
                    for i, slot in outside
                ]
            elif outside and len(outside) == len(self.slot_templates()):
                problems.append("appointment_periods: no slot lies within the opening hours of any day")
        return problems

    def slot_templates(self) -> tuple[SlotTemplate, ...]:
        if self.appointment_slots is None:
            periods = tuple((p[:5], p[6:]) for p in self.appointment_periods)
            return slot_templates(periods, self.appointment_slot_min)
        out = []
        for x in self.appointment_slots:
            t = _slot_time(x)
            out.append(SlotTemplate(t[:5], t[6:], x.capacity if isinstance(x, SlotEntry) else None))
        return tuple(out)

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
            appointment_slots=self.slot_templates(),
            appointment_capacity=self.appointment_capacity,
            appointment_days_ahead=self.appointment_days_ahead,
            hours=self.opening_hours(cases),
            daily_caps=tuple(self.daily_caps.items()),
            green_channel_age=self.green_channel_age,
        )


def _slot_time(x: str | SlotEntry) -> str:
    return x.time if isinstance(x, SlotEntry) else x


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


class Bilingual(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class PublicInfo(_Strict):
    """What the hall tells the public on its phone pages (``queue_server/web/phone``): the
    address the QR codes open, and where the hall is and how to get there."""

    #: The address phones open: every QR code and printed link starts with it
    #: (``queue_server.links``). Absent: the server's own HTTP address (``serve --http``).
    url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    #: Where the phones' live updates are served (``serve --phone-http``), when a reverse
    #: proxy puts them elsewhere; absent: that address itself.
    live_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    address: Bilingual | None = None
    transit: Bilingual | None = None
    phone: str = ""
    hours_note: Bilingual | None = None


class HallConfig(_Strict):
    hall: HallInfo
    public: PublicInfo = PublicInfo()
    rules: Rules = Rules()
    cases: CaseRules = CaseRules()
    windows: tuple[WindowConfig, ...] = ()
    clerks: tuple[ClerkConfig, ...] = ()

    def check_against(self, catalogue: Catalogue, source: str) -> None:
        problems = cross_problems(list(enumerate(self.windows)), list(enumerate(self.clerks)), self.rules, catalogue)
        if problems:
            raise HallConfigError(source, problems)


# ---------------------------------------------------------------- naming places in the file
# One way of naming a place, for the schema's problems and the cross checks alike: keys
# joined by dots, list positions in brackets counted from 0 as in the file's YAML path, and
# a window or clerk also by its own name, which is what a person looks for in the file:
# ``windows[6] (window 7).kind``, ``clerks[0] (clerk c01).signed_in_at``, ``cases.closed_days[0]``.
def _entry_name(section: str, entry: object) -> str:
    if not isinstance(entry, dict):
        return ""
    if section == "windows" and entry.get("number") is not None:
        return f" (window {entry['number']})"
    if section == "clerks" and entry.get("id") is not None:
        return f" (clerk {entry['id']})"
    return ""


def place(loc: tuple[object, ...], doc: object) -> str:
    """A pydantic location (``("windows", 6, "kind")``) as the file's place name."""
    out, node, section = "", doc, ""
    for part in loc:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            out += f"[{part}]" + (_entry_name(section, entry) if section in ("windows", "clerks") and out == section else "")
            node = entry
        else:
            out += f".{part}" if out else str(part)
            section = section or str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _window_place(i: int, w: WindowConfig, field: str = "") -> str:
    return f"windows[{i}] (window {w.number})" + (f".{field}" if field else "")


def clerk_place(i: int, c: ClerkConfig, field: str = "") -> str:
    """The place of a clerk's entry in the file (``clerks[0] (clerk c01).id``); shared with
    the checks ``init`` makes against the database."""
    return f"clerks[{i}] (clerk {c.id})" + (f".{field}" if field else "")


def cross_problems(
    windows: list[tuple[int, WindowConfig]],
    clerks: list[tuple[int, ClerkConfig]],
    rules: Rules | None,
    catalogue: Catalogue | None,
    window_numbers: list[object] | None = None,
) -> list[str]:
    """The checks across entries and against the catalogue, on the entries that passed the
    schema (``window_numbers``: every number the file gives, valid entries or not, so a clerk
    seated at a broken window is not also told the window does not exist)."""
    problems: list[str] = []
    first: dict[int, int] = {}
    for i, w in windows:
        if w.number in first:
            problems.append(f"{_window_place(i, w, 'number')}: window {w.number} appears twice (also windows[{first[w.number]}])")
        first.setdefault(w.number, i)
        if w.kind is WindowKind.DEDICATED and not w.items:
            problems.append(f"{_window_place(i, w, 'items')}: a dedicated window lists its items")
        for k, code in enumerate(w.items):
            if catalogue is not None and code not in catalogue.items:
                problems.append(f"{_window_place(i, w, f'items[{k}]')}: item {code} is not in the catalogue")
    numbers = window_numbers if window_numbers is not None else [w.number for _, w in windows]
    first_clerk: dict[str, int] = {}
    seated: dict[int, str] = {}
    for i, c in clerks:
        if c.id in first_clerk:
            problems.append(f"{clerk_place(i, c, 'id')}: clerk {c.id} appears twice (also clerks[{first_clerk[c.id]}])")
        first_clerk.setdefault(c.id, i)
        if c.signed_in_at is not None:
            if c.signed_in_at not in numbers:
                problems.append(f"{clerk_place(i, c, 'signed_in_at')}: {c.signed_in_at} is not a window")
            elif c.signed_in_at in seated:
                problems.append(
                    f"{clerk_place(i, c, 'signed_in_at')}: window {c.signed_in_at} has two clerks"
                    f" (also clerk {seated[c.signed_in_at]})"
                )
            seated.setdefault(c.signed_in_at, c.id)
        if catalogue is not None and c.department and c.department not in catalogue.departments:
            problems.append(f"{clerk_place(i, c, 'department')}: department {c.department} is not in the catalogue")
    if rules is not None and catalogue is not None:
        for code in rules.daily_caps:
            if code not in catalogue.items:
                problems.append(f"rules.daily_caps.{code}: item {code} is not in the catalogue")
    return problems


def _valid_entries(doc: dict[str, Any], section: str, model: type[_Strict]) -> list[tuple[int, Any]]:
    """The entries of a list section that pass the schema on their own."""
    raw = doc.get(section)
    out = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        with contextlib.suppress(ValidationError):  # its problems are in the schema's list
            out.append((i, model.model_validate(entry)))
    return out


def load_hall_config(path: Path, catalogue: Catalogue | None = None) -> HallConfig:
    """Read and check the hall file: the schema, and (given the catalogue) the checks across
    entries and against it, all problems in one error, each named the same way (``place``)."""
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HallConfigError(str(path), ["file not found"]) from None
    except yaml.YAMLError as e:
        raise HallConfigError(str(path), [f"not valid YAML: {e}"]) from None
    problems: list[str] = []
    config: HallConfig | None = None
    try:
        config = HallConfig.model_validate(doc)
    except ValidationError as e:
        for err in e.errors(include_url=False):
            where = place(tuple(err["loc"]), doc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "value_error" and where == "rules":  # Rules.problems, one a line
                problems += [f"rules.{line}" for line in msg.splitlines()]
            else:
                problems.append(f"{where or '(the file)'}: {msg}")
    if config is not None:
        problems += cross_problems(list(enumerate(config.windows)), list(enumerate(config.clerks)), config.rules, catalogue)
    elif isinstance(doc, dict):
        # The schema failed somewhere: still check what did pass, so one run tells everything.
        rules = None
        with contextlib.suppress(ValidationError):
            rules = Rules.model_validate(doc.get("rules") or {})
        raw_windows = doc.get("windows")
        numbers = [w.get("number") for w in raw_windows if isinstance(w, dict)] if isinstance(raw_windows, list) else []
        problems += cross_problems(
            _valid_entries(doc, "windows", WindowConfig), _valid_entries(doc, "clerks", ClerkConfig), rules, catalogue, numbers
        )
    if problems:
        raise HallConfigError(str(path), problems)
    assert config is not None
    return config
