"""(being written)"""

from __future__ import annotations

from flask import abort

from . import phone


@phone.get("/complaint")
def complaint_new():  # type: ignore[no-untyped-def]
    abort(404)
