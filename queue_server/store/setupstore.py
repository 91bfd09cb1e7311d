"""The hall's set-up in the database: its windows (``windows``) and the rules kept in
``halls.settings`` (as ``init`` writes them from ``config/hall.yaml``), changed together in
one transaction with their audit entry (``setup.apply``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from .models import AuditEntry, Hall, WindowRow


def hall_settings(db: Engine, hall: str) -> dict[str, Any]:
    with db.connect() as c:
        settings = c.execute(select(Hall.settings).where(Hall.code == hall)).scalar_one()
    return dict(settings or {})


def save_setup(
    db: Engine, hall: str, windows: list[dict[str, Any]], rules: dict[str, Any], by: str, detail: dict[str, Any]
) -> None:
    """Windows (``number, kind, stream, name, items``) and the rules' keys of the settings
    (every other key of the settings, the cases' rules and seats, is kept)."""
    with Session(db) as s, s.begin():
        h = s.get(Hall, hall)
        assert h is not None
        h.settings = {**(h.settings or {}), **rules}
        rows = {w.number: w for w in s.execute(select(WindowRow).where(WindowRow.hall == hall)).scalars()}
        for w in windows:
            row = rows.get(w["number"]) or WindowRow(hall=hall, number=w["number"])
            row.kind, row.stream, row.name, row.items = w["kind"], w["stream"], w["name"], {"codes": list(w["items"])}
            s.add(row)
        s.execute(
            insert(AuditEntry).values(
                at=datetime.now(UTC).timestamp(), actor=by, action="setup.apply", subject=hall, detail=detail
            )
        )
