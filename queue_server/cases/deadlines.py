"""Time limits in working days (法定时限/承诺时限), the paused clock, yellow and red cards.

A ``Clock`` starts on a day, runs for ``limit_days`` working days and stops while the
applicant owes materials (``Pause`` intervals: from the notice day to the supplement day).
The day the clock starts does not count; the due date is the limit-th working day after the
start, moved on by the working days spent paused. Everything takes ``today`` from the caller:
tests drive the clock with dates.

Cards (效能监督): red when today is past the due date; yellow when the working days left fall
under ``CardRule.yellow_share`` of the limit or to ``CardRule.yellow_days`` or fewer; green
otherwise. A finished matter gets no card.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from .workdays import WorkCalendar


class Card(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"  # 黄牌: about to pass the limit
    RED = "red"  # 红牌: overdue

    @property
    def zh(self) -> str:
        return {"green": "正常", "yellow": "黄牌预警", "red": "红牌超期"}[self.value]


CARD_RANK = {Card.RED: 0, Card.YELLOW: 1, Card.GREEN: 2}


@dataclass(frozen=True, slots=True)
class CardRule:
    """When a matter turns yellow: time left below this share of its limit, or this many days or fewer."""

    yellow_share: Fraction = Fraction(1, 3)
    yellow_days: int = 1


DEFAULT_RULE = CardRule()


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stands still after ``start`` up to and including ``end`` (None: still paused)."""

    start: date
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Clock:
    start: date
    limit_days: int
    pauses: tuple[Pause, ...] = ()

    def paused_days(self, cal: WorkCalendar, today: date) -> int:
        total = 0
        for p in self.pauses:
            end = p.end if p.end is not None else today
            if end > today:
                end = today
            if end > p.start:
                total += cal.workdays_between(p.start, end)
        return total

    def is_paused(self) -> bool:
        return any(p.end is None for p in self.pauses)

    def used(self, cal: WorkCalendar, today: date) -> int:
        """Working days the clock has run by the end of today."""
        return max(0, cal.workdays_between(self.start, today)) - self.paused_days(cal, today)

    def remaining(self, cal: WorkCalendar, today: date) -> int:
        """Working days left after today; 0 on the due date, negative when overdue."""
        return self.limit_days - self.used(cal, today)

    def due(self, cal: WorkCalendar, today: date) -> date:
        """The due date as known today (a running pause pushes it on day by day)."""
        return cal.add_workdays(self.start, self.limit_days + self.paused_days(cal, today))

    def card(self, cal: WorkCalendar, today: date, rule: CardRule = DEFAULT_RULE) -> Card:
        return card_for(self.remaining(cal, today), self.limit_days, rule)

    def milestones(self, cal: WorkCalendar, rule: CardRule = DEFAULT_RULE) -> Milestones:
        """The days the card changes, valid from the end of the last pause on (see ``Milestones``)."""
        open_pause = next((p for p in self.pauses if p.end is None), None)
        if open_pause is not None:
            left = self.remaining(cal, open_pause.start)
            return Milestones(
                self.limit_days, 0, None, None, None, left, card_for(left, self.limit_days, rule)
            )
        paused = self.paused_days(cal, date.max) if self.pauses else 0
        threshold = max(0, self.limit_days - yellow_threshold(self.limit_days, rule))
        return Milestones(
            self.limit_days,
            cal.ordinal(self.start) + self.limit_days + paused,
            cal.add_workdays(self.start, threshold + paused),
            cal.add_workdays(self.start, self.limit_days + paused),
            cal.add_workdays(self.start, self.limit_days + 1 + paused),
        )


def yellow_threshold(limit_days: int, rule: CardRule = DEFAULT_RULE) -> int:
    """Working days left at or below which a matter is yellow."""
    return max(rule.yellow_days, math.ceil(rule.yellow_share * limit_days) - 1)


def card_for(remaining: int, limit_days: int, rule: CardRule = DEFAULT_RULE) -> Card:
    """The card for a matter with ``remaining`` working days left of ``limit_days``."""
    if remaining < 0:
        return Card.RED
    if remaining <= yellow_threshold(limit_days, rule):
        return Card.YELLOW
    return Card.GREEN


def card_on(yellow_on: date, red_on: date, today: date) -> Card:
    """The card on ``today`` of a running clock whose card turns yellow and red on those days."""
    if today >= red_on:
        return Card.RED
    return Card.YELLOW if today >= yellow_on else Card.GREEN


@dataclass(frozen=True, slots=True)
class Milestones:
    """A clock's card as days: yellow from ``yellow_on``, red from ``red_on`` (the first working
    day after ``due`` counts; a weekend right after the due date stays yellow). Computed once per
    change of the clock (start, pause, resume), so cards for many cases are two date comparisons,
    and a store can keep ``yellow_on``/``red_on`` as indexed columns. While paused the dates are
    None and the card and days left stand still (``held_*``)."""

    limit_days: int
    base: int  # calendar ordinal of the due day: remaining = base - ordinal(today)
    yellow_on: date | None
    due: date | None
    red_on: date | None
    held_remaining: int | None = None
    held_card: Card | None = None

    def card(self, today: date) -> Card:
        if self.held_card is not None:
            return self.held_card
        assert self.red_on is not None and self.yellow_on is not None
        return card_on(self.yellow_on, self.red_on, today)

    def remaining(self, today_ordinal: int) -> int:
        return self.held_remaining if self.held_remaining is not None else self.base - today_ordinal


@dataclass(slots=True)
class Watch:
    """One line of the supervision list: a case, or one department's task of a case."""

    case: str
    item: str
    department: str
    task: bool  # False: the whole case; True: a department task of a parallel case
    limit_days: int
    remaining: int
    due: date
    card: Card
    paused: bool
    clerk: str | None = None


def watch(
    cal: WorkCalendar,
    today: date,
    *,
    case: str,
    item: str,
    department: str,
    clock: Clock,
    task: bool = False,
    clerk: str | None = None,
    rule: CardRule = DEFAULT_RULE,
) -> Watch:
    remaining = clock.remaining(cal, today)
    return Watch(
        case=case,
        item=item,
        department=department,
        task=task,
        limit_days=clock.limit_days,
        remaining=remaining,
        due=clock.due(cal, today),
        card=card_for(remaining, clock.limit_days, rule),
        paused=clock.is_paused(),
        clerk=clerk,
    )


def supervision_list(watches: Iterable[Watch], *, include_green: bool = False) -> list[Watch]:
    """Red first, then yellow (then green if asked), most urgent (fewest days left) first."""
    chosen = (w for w in watches if include_green or w.card is not Card.GREEN)
    return sorted(chosen, key=lambda w: (CARD_RANK[w.card], w.remaining, w.due, w.case, w.task, w.department))
