"""The city admin's page: every hall of the database, with today's figures (``/halls``).

A city's halls share one database and each runs its own server; a city admin's account
(``users.CITY``) signs in at any of them and works there as that hall's admin, and here sees
all the halls side by side. A hall's own admin and its managers see only their hall: the page
is refused to them (403), as another hall's server refuses their sign-in.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app, render_template

from ..store.cityoverview import city_overview
from ..users import UserRole
from .views import hall_loop, signed_in, web

#: A hall whose newest event is older than this, in opening hours, may have a server down.
QUIET_S = 30 * 60


def _figures() -> dict[str, object]:
    now = time.time()
    context = hall_loop().service.context
    tz = context.engine.tz
    halls = city_overview(current_app.extensions["hall_db"], context.today(now))
    return {
        "halls": halls,
        "today": context.today(now).isoformat(),
        "updated": datetime.fromtimestamp(now, tz).strftime("%H:%M:%S"),
        "last_seen": {
            h.code: datetime.fromtimestamp(h.last_event_at, tz).strftime("%m-%d %H:%M") for h in halls if h.last_event_at
        },
        "quiet": {h.code for h in halls if h.last_event_at is None or now - h.last_event_at > QUIET_S},
    }


@web.get("/halls")
@signed_in(UserRole.ADMIN, city=True)
def halls():  # type: ignore[no-untyped-def]
    return render_template("halls.html", **_figures())


@web.get("/halls/table")
@signed_in(UserRole.ADMIN, city=True)
def halls_table():  # type: ignore[no-untyped-def]
    return render_template("_halls_table.html", **_figures())
