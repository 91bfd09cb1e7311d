"""DLE EOT status: parsed bit by bit, read back from the simulator, "unknown" when nobody answers."""

from __future__ import annotations

import os
import time

import pytest

from printer.device import EscPosPrinter
from printer.status import PrinterStatus, StatusLevel, parse_status
from printer.transports import SerialTransport


def all4(printer=0x12, offline=0x12, error=0x12, paper=0x12) -> PrinterStatus:
    return parse_status({1: printer, 2: offline, 3: error, 4: paper})


def test_the_examples_of_devices_md():
    assert all4().level is StatusLevel.READY and all4().ready
    near = all4(paper=0x1E)
    assert near.paper_near_end and not near.paper_end and near.level is StatusLevel.NEAR_END and near.ready
    end = all4(paper=0x72)
    assert end.paper_end and not end.paper_near_end and end.level is StatusLevel.PAPER_END and not end.ready
    both = all4(paper=0x7E)
    assert both.paper_end and both.paper_near_end and both.level is StatusLevel.PAPER_END


@pytest.mark.parametrize(
    "replies,flag,level",
    [
        ({1: 0x1A}, "offline", StatusLevel.OFFLINE),
        ({1: 0x32}, "waiting_recovery", StatusLevel.READY),
        ({1: 0x52}, "feed_button_pressed", StatusLevel.READY),
        ({2: 0x16}, "cover_open", StatusLevel.COVER_OPEN),
        ({2: 0x1A}, "feeding_by_button", StatusLevel.OFFLINE),
        ({2: 0x32}, "stopped_by_paper_end", StatusLevel.PAPER_END),
        ({2: 0x52}, "error", StatusLevel.ERROR),
        ({3: 0x16}, "mechanical_error", StatusLevel.ERROR),
        ({3: 0x1A}, "autocutter_error", StatusLevel.ERROR),
        ({3: 0x32}, "unrecoverable_error", StatusLevel.ERROR),
        ({3: 0x52}, "auto_recoverable_error", StatusLevel.ERROR),
        ({4: 0x16}, "paper_near_end", StatusLevel.NEAR_END),  # one sensor bit of the pair is enough
        ({4: 0x32}, "paper_end", StatusLevel.PAPER_END),
    ],
)
def test_each_bit_means_what_the_table_says(replies, flag, level):
    st = parse_status({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12} | replies)
    assert getattr(st, flag) is True
    others = [f for f in PrinterStatus.__dict__ if isinstance(PrinterStatus.__dict__[f], property)]
    assert st.level is level
    assert sum(1 for f in others if f not in ("known", "level", "ready") and getattr(st, f) is True) == 1


@pytest.mark.parametrize("bad", [None, 0x00, 0xFF, 0x13, 0x02, 0x92])
def test_missing_or_malformed_replies_are_unknown_never_ready(bad):
    st = parse_status({1: 0x12, 2: 0x12, 3: 0x12, 4: bad})
    assert st.level is StatusLevel.UNKNOWN and not st.ready and st.paper_end is None


SIM_STATES = [
    ("ready", lambda s: None, StatusLevel.READY, (0x12, 0x12, 0x12, 0x12)),
    ("near end", lambda s: s.set_paper("near_end"), StatusLevel.NEAR_END, (0x12, 0x12, 0x12, 0x1E)),
    ("paper end", lambda s: s.set_paper("end"), StatusLevel.PAPER_END, (0x1A, 0x32, 0x12, 0x7E)),
    ("cover open", lambda s: s.set_cover_open(True), StatusLevel.COVER_OPEN, (0x1A, 0x16, 0x12, 0x12)),
    ("cutter jam", lambda s: s.set_error("autocutter"), StatusLevel.ERROR, (0x3A, 0x52, 0x1A, 0x12)),
    ("mechanical", lambda s: s.set_error("mechanical"), StatusLevel.ERROR, (0x1A, 0x52, 0x16, 0x12)),
    ("unrecoverable", lambda s: s.set_error("unrecoverable"), StatusLevel.ERROR, (0x1A, 0x52, 0x32, 0x12)),
    ("head hot", lambda s: s.set_error("auto_recoverable"), StatusLevel.ERROR, (0x1A, 0x52, 0x52, 0x12)),
    ("feed button", lambda s: s.set_feed_button(True), StatusLevel.OFFLINE, (0x5A, 0x1A, 0x12, 0x12)),
]


@pytest.mark.parametrize("name,setup,level,raw", SIM_STATES, ids=[s[0] for s in SIM_STATES])
def test_each_simulator_state_reads_back_over_a_pty(pty_printer, name, setup, level, raw):
    sim, printer = pty_printer()
    setup(sim)
    st = printer.status()
    assert st.raw() == raw
    assert st.level is level


def test_states_change_while_the_printer_runs_over_tcp(tcp_printer):
    sim, printer = tcp_printer()
    assert printer.status().level is StatusLevel.READY
    sim.control("cover open")
    assert printer.status().cover_open
    sim.control("cover close")
    sim.control("paper end")
    assert printer.status().paper_end
    sim.control("paper ok")
    assert printer.status().ready


@pytest.mark.parametrize("timeout", [0.1, 0.3])
def test_a_printer_switched_off_is_unknown_within_the_timeout(pty_printer, timeout):
    sim, printer = pty_printer()
    sim.set_power(False)
    t0 = time.monotonic()
    st = printer.status(timeout=timeout)
    elapsed = time.monotonic() - t0
    assert st.level is StatusLevel.UNKNOWN and not st.ready
    assert timeout <= elapsed < timeout + 0.25  # one time-out, not four


def test_nothing_on_the_line_is_unknown():
    master, slave = os.openpty()  # a port with no printer behind it
    try:
        with EscPosPrinter(SerialTransport(os.ttyname(slave)), status_timeout=0.1) as printer:
            assert printer.status().level is StatusLevel.UNKNOWN
    finally:
        os.close(master)
        os.close(slave)


def test_status_is_answered_in_real_time_while_the_printer_is_stopped_with_a_job_held(pty_printer):
    sim, printer = pty_printer()
    sim.set_paper("end")
    printer.send_job(b"\x1b@waiting for paper\n\x1dV\x01")
    sim.wait_idle(0.2)
    assert printer.status().paper_end  # answered although the buffer holds an unprinted job
    assert sim.pages == []
    sim.set_paper("ok")
    assert sim.wait_pages(1)[0].text == "waiting for paper"
