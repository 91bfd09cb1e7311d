"""A logging filter that masks ID numbers in every log record (DESIGN: ID numbers are shown
masked on screens, tickets and logs).

Handlers refuse ID numbers in the wrong fields without quoting them, but a log line can
still carry one: an exception's text, a library's message, a request logged whole. The
filter masks, with the shared rules of :mod:`protocol.idnumber`, the message, its arguments
and the formatted traceback of every record that passes a handler it is installed on.

Installed on handlers, not loggers: a logger's filters see only the records logged on that
very logger, a handler's see every record that reaches it (``install`` puts it on the root
logger's handlers, which every propagating logger ends in).
"""

from __future__ import annotations

import logging
from typing import Any

from protocol.idnumber import mask_ids_in_text

_FORMATTER = logging.Formatter()


def _mask_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return mask_ids_in_text(arg)
    if isinstance(arg, int | float):
        # Numbers stay numbers (a "%d" needs one) unless one is itself an ID number.
        text = str(arg)
        return arg if mask_ids_in_text(text) == text else mask_ids_in_text(text)
    # Anything else is rendered now, as "%s" would, so what it renders is masked.
    return mask_ids_in_text(str(arg))


class IdNumberMaskFilter(logging.Filter):
    """Masks ID-number-like text in a record's message, args, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_ids_in_text(record.msg)
        else:
            record.msg = mask_ids_in_text(str(record.msg))
        if isinstance(record.args, dict):
            record.args = {k: _mask_arg(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_mask_arg(a) for a in record.args)
        if record.exc_info and not record.exc_text:
            # Formatted once here (formatters reuse exc_text), so the traceback is masked too.
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_ids_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_ids_in_text(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> IdNumberMaskFilter:
    """Put one :class:`IdNumberMaskFilter` on every handler of ``logger`` (default: root).
    Call after the handlers are configured (``logging.basicConfig``)."""
    target = logger or logging.getLogger()
    mask = IdNumberMaskFilter()
    for h in target.handlers:
        if not any(isinstance(f, IdNumberMaskFilter) for f in h.filters):
            h.addFilter(mask)
    return mask


__all__ = ["IdNumberMaskFilter", "install"]
