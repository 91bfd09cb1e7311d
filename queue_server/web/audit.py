"""The audit log, searchable in the browser: by action, subject, actor, date range and free
text over the entry's subject and details; newest first, a page at a time.

Entries carry masked ID numbers only (the hall never writes a full one), and the page masks
again whatever looks like one, so no entry from before that rule, nor a subject chosen by
someone, shows a number whole. The audit log has no hall column: an entry is this hall's
when its details name this hall; entries that name no hall (a clerk's reads of a visitor's
details) are shown to every hall of the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app, render_template, request
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from protocol.idnumber import mask_ids_in_text

from ..store.models import AuditEntry
from ..users import UserRole
from .views import hall_loop, signed_in, this_hall, web

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditQuery:
    action: str = ""
    subject: str = ""
    actor: str = ""
    text: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> AuditQuery:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            args.get("action", "").strip(), args.get("subject", "").strip(), args.get("actor", "").strip(),
            args.get("q", "").strip(), day("from"), day("to"), page,
        )


def _like(value: str) -> str:
    """``value`` as a LIKE pattern that matches it anywhere, its own % and _ taken literally."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(db: Any, hall: str, q: AuditQuery, tz: Any) -> tuple[list[AuditEntry], bool]:
    """One page of entries matching ``q``, newest first, and whether an older page follows."""
    hall_of = AuditEntry.detail["hall"].as_string()
    stmt = select(AuditEntry).where(or_(hall_of == hall, hall_of.is_(None)))
    if q.action:
        stmt = stmt.where(or_(AuditEntry.action == q.action, AuditEntry.action.like(q.action + ".%")))
    if q.subject:
        stmt = stmt.where(AuditEntry.subject.ilike(_like(q.subject), escape="\\"))
    if q.actor:
        stmt = stmt.where(AuditEntry.actor.ilike(_like(q.actor), escape="\\"))
    if q.text:
        # The details are stored as JSON written with ASCII escapes (SQLAlchemy's default):
        # Chinese is looked for both as typed and as its escapes.
        text_ = func.lower(cast(AuditEntry.detail, Text))
        wanted = {q.text.lower(), json.dumps(q.text.lower())[1:-1]}
        stmt = stmt.where(or_(
            AuditEntry.subject.ilike(_like(q.text), escape="\\"),
            *(text_.like(_like(w), escape="\\") for w in wanted),
        ))
    if q.since is not None:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(q.since, time(), tz).timestamp())
    if q.until is not None:
        stmt = stmt.where(AuditEntry.at < datetime.combine(q.until + timedelta(days=1), time(), tz).timestamp())
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset((q.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    with Session(db) as s:
        rows = list(s.execute(stmt).scalars())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def shown(entry: AuditEntry, tz: Any) -> dict[str, str]:
    detail = json.dumps(entry.detail or {}, ensure_ascii=False, sort_keys=True)
    return {
        "id": str(entry.id),
        "at": datetime.fromtimestamp(entry.at, tz).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": mask_ids_in_text(entry.actor),
        "action": entry.action,
        "subject": mask_ids_in_text(entry.subject),
        "detail": mask_ids_in_text(detail),
    }


@web.get("/admin/audit")
@signed_in(UserRole.ADMIN, UserRole.MANAGER)
def admin_audit():  # type: ignore[no-untyped-def]
    q = AuditQuery.from_args(request.args)
    tz = hall_loop().service.engine.tz
    rows, older = search(current_app.extensions["hall_db"], this_hall(), q, tz)
    args = {k: v for k, v in request.args.items() if k != "page"}
    response = current_app.make_response(
        render_template(
            "admin_audit.html", entries=[shown(r, tz) for r in rows], q=q, older=older, args=args,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # who read whose details is itself personal
    return response
