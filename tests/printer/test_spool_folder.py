"""Nothing lost: the print queue kept on disk survives its spooler, and the process that ran it.

Slips are queued while the printer has no paper; the spooler goes away (closed, or its process
killed); a new spooler on the same folder prints every slip, in order, once, when paper is back.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from printer.device import EscPosPrinter
from printer.spooler import JobState, Spooler, spool_folder
from printer.transports import SerialTransport
from tests.printer.conftest import decode_qr
from tests.printer.test_spooler import numbers_on, tickets
from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parents[2]


def job_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.job"))


def whole_numbers(sim) -> list[str]:
    return [n for p in sim.pages if not p.torn and not p.continued for n in numbers_on(p)]


def test_slips_kept_when_the_spooler_closes_print_from_a_new_one_in_order_once(pty_printer, tmp_path):
    sim, printer = pty_printer("generic-80")
    folder = spool_folder(tmp_path / "var", "printer")
    sim.set_paper_left(250, near_end_mm=120)  # two whole tickets, the third torn
    failed: list = []
    first = Spooler(printer, spool_dir=folder, on_failed=failed.append, poll_interval=0.05)
    jobs = [first.submit(doc) for doc in tickets(6)]
    wait_for(lambda: first.last_status.paper_end, message="the spooler never saw the paper end")
    assert [j.state for j in jobs[:2]] == [JobState.PRINTED] * 2
    assert job_files(folder) == [f"{j.id:010d}.job" for j in jobs[2:]]  # printed ones are gone

    left = first.close()  # the kiosk shuts down with four slips waiting for paper
    printer.close()
    assert left == jobs[2:] and all(j.state is JobState.KEPT for j in left)
    assert failed == []  # not handed back: the visitor was told the slip is kept, and it is
    assert len(job_files(folder)) == 4

    sim.set_paper("ok")  # a new roll, then the kiosk starts again
    printed: list = []
    printer2 = EscPosPrinter(SerialTransport(sim.pty_path), "generic-80")
    second = Spooler(printer2, spool_dir=folder, on_printed=printed.append, poll_interval=0.05)
    try:
        wait_for(lambda: len(printed) == 4, timeout=15, message="the kept slips did not print")
        assert [j.title for j in printed] == [f"ticket A{i:03d}" for i in range(3, 7)]
        late = second.submit(tickets(7)[-1])  # numbering goes on after the kept jobs
        assert late.id == jobs[-1].id + 1 and late.wait(10) is JobState.PRINTED
    finally:
        second.close()
        printer2.close()

    assert whole_numbers(sim) == [f"A{i:03d}" for i in range(1, 8)]  # every slip, in order, once
    assert [decode_qr(p.image) for p in sim.pages if not p.torn][-1] == "https://hall.example.gov.cn/t/A007"
    assert job_files(folder) == [] and sim.interp.unknown == []


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from printer.device import EscPosPrinter
    from printer.spooler import Spooler
    from printer.transports import SerialTransport
    from tests.printer.test_spooler import tickets

    printer = EscPosPrinter(SerialTransport({port!r}), "generic-80")
    spooler = Spooler(printer, spool_dir={folder!r}, poll_interval=0.05)
    for doc in tickets(3):
        spooler.submit(doc, payload={{"number": doc.title.split()[-1]}})
    print("queued", flush=True)
    time.sleep(60)
    """
)


def test_slips_queued_by_a_process_that_dies_print_after_it_restarts(sim_factory, tmp_path):
    sim = sim_factory("generic-80")
    port = sim.start_pty()
    sim.set_paper("end")
    folder = tmp_path / "var" / "spool" / "printer"
    script = CHILD.format(root=str(ROOT), port=port, folder=str(folder))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "queued"
    finally:
        os.kill(child.pid, signal.SIGKILL)  # power cut: no close, no handing back
        child.wait(10)
        child.stdout.close()  # type: ignore[union-attr]
    assert len(job_files(folder)) == 3

    printer = EscPosPrinter(SerialTransport(port), "generic-80")
    spooler = Spooler(printer, spool_dir=folder, poll_interval=0.05)
    try:
        pending = spooler.pending()
        assert [j.payload for j in pending] == [{"number": f"A{i:03d}"} for i in (1, 2, 3)]
        sim.set_paper("ok")
        assert [j.wait(10) for j in pending] == [JobState.PRINTED] * 3
    finally:
        spooler.close()
        printer.close()
    assert whole_numbers(sim) == ["A001", "A002", "A003"] and len(sim.pages) == 3
    assert job_files(folder) == []


def test_a_corrupt_job_file_is_reported_and_moved_aside_and_the_others_print(pty_printer, tmp_path, caplog):
    sim, printer = pty_printer("generic-80")
    folder = tmp_path / "spool"
    sim.set_paper("end")
    first = Spooler(printer, spool_dir=folder, poll_interval=0.05)
    jobs = [first.submit(doc) for doc in tickets(3)]
    first.close()
    printer.close()
    broken = folder / f"{jobs[1].id:010d}.job"
    broken.write_bytes(b'{"format": 1, "id": 2, "title": "ticket A002", "da')  # cut short by a bad disk
    (folder / ".0000000004.job.tmp").write_text("{", encoding="utf-8")  # a write that never finished

    sim.set_paper("ok")
    printer2 = EscPosPrinter(SerialTransport(sim.pty_path), "generic-80")
    with caplog.at_level(logging.ERROR, logger="printer.spooler"):
        second = Spooler(printer2, spool_dir=folder, poll_interval=0.05)
    try:
        assert second.corrupt == [folder / "corrupt" / broken.name]  # reported ...
        assert (folder / "corrupt" / broken.name).exists() and not broken.exists()  # ... and set aside
        assert any(broken.name in r.getMessage() and "unreadable" in r.getMessage() for r in caplog.records)
        assert not list(folder.glob(".*.tmp"))
        pending = second.pending()
        assert [j.title for j in pending] == ["ticket A001", "ticket A003"]
        assert [j.wait(10) for j in pending] == [JobState.PRINTED] * 2
    finally:
        second.close()
        printer2.close()
    assert whole_numbers(sim) == ["A001", "A003"]
    assert job_files(folder) == []


def test_handed_back_and_cancelled_jobs_leave_no_file(pty_printer, tmp_path):
    sim, printer = pty_printer("generic-80")
    sim.set_paper("end")
    folder = tmp_path / "spool"
    spooler = Spooler(printer, spool_dir=folder, hold=0.3, poll_interval=0.05)
    given_back = spooler.submit(tickets(1)[0])
    assert given_back.wait(5) is JobState.RETURNED and job_files(folder) == []

    spooler.hold = None
    first, second = (spooler.submit(doc) for doc in tickets(2))
    wait_for(lambda: first.reason.startswith("waiting"), message="the first job never waited for paper")
    assert spooler.cancel(second) and second.state is JobState.RETURNED and second.reason == "cancelled"
    assert job_files(folder) == [f"{first.id:010d}.job"]
    record = json.loads((folder / f"{first.id:010d}.job").read_text(encoding="utf-8"))
    assert record["title"] == "ticket A001" and record["profile"] == "generic-80"
    spooler.close()
    assert first.state is JobState.KEPT and job_files(folder) == [f"{first.id:010d}.job"]
    assert sim.pages == []
