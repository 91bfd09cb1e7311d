"""(being written)"""

from __future__ import annotations

from flask import abort

from . import phone


@phone.get("/guides")
def guides():  # type: ignore[no-untyped-def]
    abort(404)


@phone.get("/hall")
def hall_info():  # type: ignore[no-untyped-def]
    abort(404)
