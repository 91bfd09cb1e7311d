"""Reading the fields of a request body: thin names for the checks of ``inputs.py``, which
every handler module uses, and the fields several request types share."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..engine.errors import bad_request
from ..privacy import id_number_problem, mask

if TYPE_CHECKING:
    from .context import HallContext

#: The most entries a manager's list answers at once (``limit``).
MAX_LISTED = 500


def text(
    body: dict[str, Any], name: str, *, required: bool = True, max_len: int = 200, multiline: bool = False
) -> str | None:
    """A text field, checked (``inputs.text``); ``multiline`` allows ``\n`` and ``\t``."""
    return inputs.text(body, name, required=required, max_len=max_len, multiline=multiline)


def integer(
    body: dict[str, Any], name: str, *, required: bool = True, min: int = 0, max: int = inputs.INT_MAX
) -> int | None:
    """A whole number in ``min..max`` (``inputs.integer``): ASCII digits only."""
    return inputs.integer(body, name, required=required, min=min, max=max)


def code(body: dict[str, Any], name: str, pattern: inputs.Pattern, *, required: bool = True) -> str | None:
    """A code or identifier of ``pattern`` (``inputs.code``), refused without being quoted."""
    return inputs.code(body, name, pattern, required=required)


def flag(body: dict[str, Any], name: str, *, default: bool = False) -> bool:
    return inputs.flag(body, name, default=default)


def window_number(body: dict[str, Any], name: str = "window", *, required: bool = True) -> int | None:
    return integer(body, name, required=required, min=inputs.WINDOW_MIN, max=inputs.WINDOW_MAX)


def item_code(body: dict[str, Any], name: str = "item_code", *, required: bool = True) -> str | None:
    return code(body, name, inputs.ITEM_CODE, required=required)


def ticket_id(body: dict[str, Any]) -> str:
    tid = code(body, "ticket", inputs.TICKET_ID)
    assert tid is not None
    return tid


def case_number(body: dict[str, Any]) -> str:
    cid = code(body, "case", inputs.CASE_ID)
    assert cid is not None
    return cid


def material_codes(body: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    """A list of material codes (at most 100)."""
    return inputs.codes(body, name, inputs.MATERIAL, required=required)


def day(body: dict[str, Any], name: str = "day", *, required: bool = True) -> str | None:
    """A calendar date as YYYY-MM-DD (ASCII digits; ``date.fromisoformat`` takes other forms)."""
    raw = code(body, name, inputs.DAY, required=required)
    if raw is None:
        return None
    try:
        date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{name} is not a real date", f"{name} 不是有效日期", field=name) from None
    return raw


def list_limit(body: dict[str, Any], default: int = 100) -> int:
    """``limit``: 1..MAX_LISTED (as the document says; more is refused, not cut)."""
    n = integer(body, "limit", required=False, min=1, max=MAX_LISTED)
    return n if n is not None else default


def rating_level(body: dict[str, Any]) -> int:
    """好差评: 5 (非常满意) to 1 (非常不满意)."""
    n = integer(body, "level", min=1, max=5)
    assert n is not None
    return n


def rating_comment(body: dict[str, Any]) -> str:
    """A rating's ``comment`` (multi-line text, at most 500 characters)."""
    return text(body, "comment", required=False, max_len=500, multiline=True) or ""


def check_code_format(body: dict[str, Any]) -> None:
    """A check code, when given, is ASCII letters and digits: anything else is refused here,
    before it is compared with the real one (which would raise on non-ASCII text)."""
    code(body, "code", inputs.CHECK_CODE, required=False)


def id_value(ctx: HallContext, body: dict[str, Any], name: str = "id_number") -> str | None:
    """An optional ID number in the body, checked by the shared rules (``protocol.idnumber``):
    upper-cased, or None when absent. A refusal never quotes the number."""
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 40:
        raise bad_request(f"{name} must be an 18-character ID number", f"{name} 应为18位身份证号码", field=name)
    value = raw.strip().upper()
    problem = id_number_problem(value, today=datetime.now(ctx.engine.tz).date())
    if problem is not None:
        # The shared rules' own words, which never contain any part of the number.
        raise bad_request(
            f"{name} is not valid: {problem.message}",
            f"身份证号码无效（{problem.message_zh}），请核对",
            field=name,
        )
    return value


def id_number(ctx: HallContext, body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(hash, cipher, masked) of an optional ID number in the body."""
    value = id_value(ctx, body)
    if value is None:
        return None, None, None
    return ctx.privacy.lookup_hash(value), ctx.privacy.encrypt(value), mask(value)


def masked_name(body: dict[str, Any]) -> str:
    """The optional ``name`` in the body as it is kept: its first character, then stars."""
    name = (text(body, "name", required=False, max_len=50) or "").strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)
