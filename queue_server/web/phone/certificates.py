"""(being written)"""

from __future__ import annotations

from flask import abort

from . import phone


@phone.get("/certificate")
def certificate_lookup():  # type: ignore[no-untyped-def]
    abort(404)
