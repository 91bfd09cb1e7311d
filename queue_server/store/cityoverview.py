"""The city admin's overview: every hall of the database with today's figures, read in a few
grouped queries (one per table, never one query per hall), each on an index: a year of
tickets and events must not be read to say what happened today.

Halls of a city share one database and each runs its own server, which serves only its own
hall; a city admin signs in at any of them (``users.CITY``) and sees here what each hall's
manager sees of theirs at a glance: tickets of the day, who waits, cases accepted there that
are still open and their red cards, enrolled devices, and when the hall last did anything
(a hall whose server is down stops moving). Cases are city-wide; a case counts at the hall
that accepted it (``hall_accepted``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, func, select

from ..engine.model import LIVE_STATES, TicketState
from .casereports import open_case, red_card
from .models import CaseRow, Device, Hall, HallEventRow, TicketRow


@dataclass(slots=True)
class HallFigures:
    code: str
    name_zh: str
    name_en: str
    level: str
    #: The address its phones open (``public.url`` of its configuration), when it has one.
    public_url: str | None
    issued: int = 0
    waiting: int = 0
    #: Live tickets: waiting, called or at a window.
    live: int = 0
    done: int = 0
    no_show: int = 0
    open_cases: int = 0
    red_cards: int = 0
    devices: int = 0
    #: POSIX seconds of the hall's newest event (None: nothing yet).
    last_event_at: float | None = None
    by_state: dict[str, int] = field(default_factory=dict)


def city_overview(db: Engine, today: date) -> list[HallFigures]:
    """Every hall of the database, by code, with its figures of ``today`` (local date)."""
    day = today.isoformat()
    with db.connect() as c:
        # The newest event's time by the primary key (hall, seq): one index probe per hall.
        last_at = (
            select(HallEventRow.at)
            .where(HallEventRow.hall == Hall.code)
            .order_by(HallEventRow.seq.desc())
            .limit(1)
            .scalar_subquery()
        )
        halls = c.execute(
            select(Hall.code, Hall.name, Hall.name_en, Hall.level, Hall.settings, last_at).order_by(Hall.code)
        ).all()
        codes = [h.code for h in halls]
        tickets = c.execute(
            select(TicketRow.hall, TicketRow.state, func.count())
            .where(TicketRow.hall.in_(codes), TicketRow.day == day)  # ix_tickets_hall_day
            .group_by(TicketRow.hall, TicketRow.state)
        ).all()
        cases = c.execute(
            select(CaseRow.hall_accepted, func.count(), func.count().filter(red_card(today)))
            .where(open_case(), CaseRow.hall_accepted.is_not(None))
            .group_by(CaseRow.hall_accepted)
        ).all()
        devices = c.execute(
            select(Device.hall, func.count()).where(Device.revoked_at.is_(None)).group_by(Device.hall)
        ).all()
    by_state: dict[str, dict[str, int]] = defaultdict(dict)
    for hall, state, n in tickets:
        by_state[hall][state] = int(n)
    open_by = {hall: (int(n), int(red)) for hall, n, red in cases}
    devices_by = {hall: int(n) for hall, n in devices}
    out = []
    for code, name, name_en, level, settings, last_event_at in halls:
        states = by_state.get(code, {})
        n_open, n_red = open_by.get(code, (0, 0))
        public = (settings or {}).get("public") or {}
        out.append(
            HallFigures(
                code=code, name_zh=name, name_en=name_en or "", level=level,
                public_url=public.get("url") if isinstance(public, dict) else None,
                issued=sum(states.values()),
                waiting=states.get(TicketState.WAITING, 0),
                live=sum(states.get(s, 0) for s in LIVE_STATES),
                done=states.get(TicketState.DONE, 0),
                no_show=states.get(TicketState.NO_SHOW, 0),
                open_cases=n_open, red_cards=n_red,
                devices=devices_by.get(code, 0),
                last_event_at=last_event_at,
                by_state=states,
            )
        )
    return out
