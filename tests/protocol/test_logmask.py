"""ID numbers are masked in logs: message, arguments, tracebacks, whichever logger wrote them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from protocol import logmask

ID = "11010519491231002X"
MASKED = "1101**********002X"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private root-like logger with one stream handler, the filter installed on it."""
    out = io.StringIO()
    top = logging.getLogger("test_logmask")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    top.addHandler(handler)
    top.setLevel(logging.DEBUG)
    top.propagate = False
    logmask.install(top)
    logmask.install(top)  # twice: still one filter
    yield top, out
    top.removeHandler(handler)


def test_the_message_and_its_arguments_are_masked_even_from_a_child_logger(captured) -> None:  # type: ignore[no-untyped-def]
    top, out = captured
    child = logging.getLogger("test_logmask.child")  # a logger's own filters would miss this
    child.warning("issue refused for %s (%d tries)", ID, 3)
    child.info(f"body {{'id_number': '{ID}'}}")
    child.info("as a dict arg: %(who)s", {"who": ID})
    child.info("as an object: %s", {"id_number": ID})
    text = out.getvalue()
    assert ID not in text and text.count(MASKED) == 4 and "(3 tries)" in text
    assert len(top.handlers[0].filters) == 1


def test_tracebacks_are_masked(captured) -> None:  # type: ignore[no-untyped-def]
    top, out = captured
    try:
        raise ValueError(f"cannot handle {ID}")
    except ValueError:
        top.exception("handler failed")
    text = out.getvalue()
    assert "Traceback" in text and "ValueError: cannot handle " + MASKED in text and ID not in text


def test_other_numbers_are_left_alone(captured) -> None:  # type: ignore[no-untyped-def]
    top, out = captured
    top.info("case NS-20261126-000001 ticket H01-20261126-A012 phone 13800138000 seq %d", 110105194912310021)
    text = out.getvalue()
    assert "NS-20261126-000001" in text and "13800138000" in text and "110105194912310021" in text  # bad check digit


def test_the_queue_servers_logging_masks_every_record(capsys: pytest.CaptureFixture[str]) -> None:
    from queue_server.cli import configure_logging

    root = logging.getLogger()
    before = list(root.handlers)
    for h in before:
        root.removeHandler(h)  # basicConfig configures only a root without handlers
    try:
        configure_logging("INFO")
        logging.getLogger("waitress").error("request from %s failed", ID)
        err = capsys.readouterr().err
        assert MASKED in err and ID not in err
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in before:
            root.addHandler(h)
