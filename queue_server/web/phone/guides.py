"""Service guides (办事指南) on the phone: the published catalogue by theme or department and
searched by name or pinyin (``?q=``, a plain GET form), each item's whole guide in the source
document's order with its process as a flow chart, and the hall's address, hours and buses.

The catalogue is the hall's published one (``catalogue.get``), kept here with its search
index until the hall publishes another: building the pinyin index costs milliseconds per
item, a check of the version almost nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import abort, render_template, request

from protocol.itemsearch import SearchIndex

from ...catalogue.model import GUIDE_FIELD_LABELS
from ...engine.hours import OpeningHours
from . import ask, hall_loop, page_error, phone

#: How many items a search lists: a phone screen, not the whole catalogue.
SEARCH_LIMIT = 20
MAX_QUERY_LEN = 40
WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"), ("周六", "Sat"), ("周日", "Sun"))
#: Upcoming closed days the hall page lists (the booking window's, at most this many).
CLOSED_DAYS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Group:
    """A heading (a theme or a department) and its items, in the catalogue's order."""

    key: str
    label: dict[str, str]
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class PublishedCatalogue:
    version: int
    document: dict[str, Any]
    items: dict[str, dict[str, Any]]
    index: SearchIndex

    @classmethod
    def of(cls, version: int, document: dict[str, Any]) -> PublishedCatalogue:
        items = {i["code"]: i for i in document.get("items") or ()}
        return cls(version, document, items, SearchIndex.from_document(document))

    def item(self, code: str) -> dict[str, Any] | None:
        return self.items.get(code)

    def by_theme(self) -> list[Group]:
        themes: dict[str, dict[str, str]] = self.document.get("themes") or {}
        return self._grouped("theme", lambda key: themes.get(key, {"zh": key, "en": key}), list(themes))

    def by_department(self) -> list[Group]:
        names = {d["code"]: d["name"] for d in self.document.get("departments") or ()}
        return self._grouped("department", lambda key: names.get(key, {"zh": key, "en": key}), list(names))

    def _grouped(self, field: str, label: Any, order: list[str]) -> list[Group]:
        found: dict[str, list[dict[str, Any]]] = {}
        for item in self.items.values():
            found.setdefault(item[field], []).append(item)
        keys = [k for k in order if k in found] + [k for k in found if k not in order]
        return [Group(k, label(k), tuple(found[k])) for k in keys]

    def search(self, query: str) -> list[dict[str, Any]]:
        return [self.items[h.code] for h in self.index.search(query, limit=SEARCH_LIMIT) if h.code in self.items]

    def department(self, code: str) -> dict[str, Any] | None:
        return next((d for d in self.document.get("departments") or () if d["code"] == code), None)

    def certificate_name(self, code: str | None) -> dict[str, str] | None:
        """The name of the e-certificate type that replaces a material (None: none does)."""
        if not code:
            return None
        cert = next((c for c in self.document.get("e_certificate_types") or () if c["code"] == code), None)
        return cert["name"] if cert else {"zh": code, "en": code}


_cache_lock = threading.Lock()
#: Per hall loop: a process that serves two halls (tests do) must not mix their catalogues.
_cached: dict[int, PublishedCatalogue] = {}


def published() -> PublishedCatalogue | None:
    """The hall's published catalogue (None when the hall cannot answer): asked each time
    with the version held, rebuilt only when the hall has published a newer one."""
    hall = id(hall_loop())
    held = _cached.get(hall)
    out = ask("catalogue.get", {"have_version": held.version} if held else {})
    if not out.ok or out.body is None:
        return held  # a busy hall: the copy held is still the guide (it may be a version old)
    if out.body.get("unchanged") and held is not None:
        return held
    fresh = PublishedCatalogue.of(out.body["version"], out.body["catalogue"])
    with _cache_lock:
        _cached[hall] = fresh
    return fresh


def no_catalogue() -> tuple[str, int]:
    return page_error(503, "办事指南暂时无法读取，请稍后再试", "The guides cannot be read just now; try again shortly")


@phone.get("/guides")
def guides():  # type: ignore[no-untyped-def]
    cat = published()
    if cat is None:
        return no_catalogue()
    q = (request.args.get("q") or "").strip()[:MAX_QUERY_LEN]
    by = "department" if request.args.get("by") == "department" else "theme"
    hits = cat.search(q) if q else None
    groups = cat.by_department() if by == "department" else cat.by_theme()
    return render_template("phone/guides.html", q=q, by=by, hits=hits, groups=groups)


@phone.get("/guides/<code>")
def guide(code: str):  # type: ignore[no-untyped-def]
    cat = published()
    if cat is None:
        return no_catalogue()
    item = cat.item(code)
    if item is None:
        abort(404)
    department = cat.department(item["department"])
    co = [cat.department(c) for c in item.get("co_departments") or ()]
    materials = [
        {**m, "certificate": cat.certificate_name(m.get("e_certificate"))} for m in item["guide"]["materials"]
    ]
    return render_template(
        "phone/guide.html",
        item=item,
        guide=item["guide"],
        labels={k: v.model_dump() for k, v in GUIDE_FIELD_LABELS.items()},
        materials=materials,
        department=department,
        co_departments=[d for d in co if d],
    )


# ------------------------------------------------------------------ the hall
def week_hours(hours: OpeningHours | None) -> list[dict[str, Any]] | None:
    """Each weekday's open periods, Monday first (None: the hall sets no hours, open daily)."""
    if hours is None:
        return None
    return [{"day": {"zh": zh, "en": en}, "periods": list(hours.week[i])} for i, (zh, en) in enumerate(WEEKDAYS)]


def closed_days_ahead(hours: OpeningHours | None, today: date, days: int) -> list[str]:
    """The weekdays the hall is closed on though the week opens them (holidays, its own days)."""
    if hours is None:
        return []
    out = []
    for i in range(days + 1):
        d = today + timedelta(days=i)
        if hours.week[d.weekday()] and not hours.periods_on(d):
            out.append(d.isoformat())
    return out[:CLOSED_DAYS_SHOWN]


def hall_rules() -> Any:
    """The hall's rules (opening hours, how far ahead it books): configuration the engine was
    built with and never changes while it runs, so a page may read it without a request."""
    return hall_loop().service.engine.rules


@phone.get("/hall")
def hall_info():  # type: ignore[no-untyped-def]
    info = ask("hall.info", {})
    if not info.ok or info.body is None:
        return page_error(503, "大厅信息暂时无法读取，请稍后再试", "The hall's details cannot be read just now; try again shortly")
    rules = hall_rules()
    today = date.fromisoformat(info.body["today"])
    return render_template(
        "phone/hall.html",
        info=info.body,
        week=week_hours(rules.hours),
        closed=closed_days_ahead(rules.hours, today, rules.appointment_days_ahead),
    )
