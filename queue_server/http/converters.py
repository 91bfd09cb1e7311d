"""URL converters: path numbers in ASCII digits, within a range.

Werkzeug's own ``int`` converter matches the regex ``\\d+``, which in Python also matches
Arabic-Indic, full-width and other digits (``/windows/٣/call-next`` acted on window 3), and
takes any length (``/pages/9223372036854775808`` overflowed SQLite's integers). The app
registers :class:`AsciiIntConverter` under the name ``int``, so every ``<int:...>`` path
parameter, today's and tomorrow's, gets it; a path that does not match is a 404 like any
unknown path.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter, Map, ValidationError

MAX_DIGITS = 9
MAX_VALUE = 10**MAX_DIGITS - 1  # fits every integer column, far above any window or page


class AsciiIntConverter(BaseConverter):
    """``<int:name>`` or ``<int(min=1, max=999):name>``: 1 to 9 ASCII digits in ``min..max``."""

    regex = f"[0-9]{{1,{MAX_DIGITS}}}"
    weight = 50  # as werkzeug's numbers: a number rule wins over a string rule

    def __init__(self, map: Map, min: int = 0, max: int = MAX_VALUE) -> None:
        super().__init__(map)
        self.min = min
        self.max = max

    def to_python(self, value: str) -> int:
        n = int(value)
        if not self.min <= n <= self.max:
            raise ValidationError()
        return n

    def to_url(self, value: Any) -> str:
        return str(int(value))


__all__ = ["AsciiIntConverter"]
