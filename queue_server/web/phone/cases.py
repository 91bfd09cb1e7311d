"""(being written)"""

from __future__ import annotations

from flask import abort

from . import phone


@phone.get("/case")
def case_lookup():  # type: ignore[no-untyped-def]
    abort(404)
