"""Print queue: paper runs out in a burst; every job prints once after paper returns, or is handed back."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

from printer import demo, layouts
from printer.spooler import JobState, Spooler
from tests.printer.conftest import decode_qr
from tests.support.wait import wait_for


def tickets(n: int):
    return [
        layouts.ticket(
            dataclasses.replace(
                demo.TICKET, number=f"A{i:03d}", url=f"https://hall.example.gov.cn/t/A{i:03d}"
            )
        )
        for i in range(1, n + 1)
    ]


def numbers_on(page) -> list[str]:
    return [ln.text for ln in page.lines if ln.height_mult == 4]


def test_paper_runs_out_mid_burst_and_every_ticket_prints_once_when_it_returns(pty_printer):
    sim, printer = pty_printer("generic-80")  # process ID + clear buffers: jobs are confirmed
    sim.set_paper_left(250, near_end_mm=120)  # about two and a half tickets
    failed, statuses = [], []
    spooler = Spooler(printer, on_failed=failed.append, on_status=statuses.append, poll_interval=0.05)
    jobs = [spooler.submit(doc, payload=doc.title) for doc in tickets(6)]

    wait_for(lambda: sim.paper_end, message="the paper never ran out")
    wait_for(lambda: spooler.last_status.paper_end, message="the spooler never saw the paper end")
    time.sleep(0.3)  # on purpose: the visitor stands there; nothing is lost (or printed) meanwhile
    assert [j.state for j in jobs[:2]] == [JobState.PRINTED] * 2
    assert all(not j.done for j in jobs[2:]) and len(spooler.pending()) == 4
    assert failed == []

    sim.set_paper("ok")  # staff load a new roll
    assert [j.wait(10) for j in jobs] == [JobState.PRINTED] * 6
    spooler.close()

    whole = [p for p in sim.pages if not p.torn]
    torn = [p for p in sim.pages if p.torn]
    assert len(torn) == 1 and not any(p.continued for p in whole)
    assert [n for p in whole for n in numbers_on(p)] == [f"A{i:03d}" for i in range(1, 7)]
    assert [decode_qr(p.image) for p in whole] == [
        f"https://hall.example.gov.cn/t/A{i:03d}" for i in range(1, 7)
    ]
    assert jobs[2].attempts == 2 and jobs[2].interruptions == 1
    assert failed == []
    levels = [s.level.value for s in statuses]
    assert "near_end" in levels and "paper_end" in levels and levels[-1] in ("ready", "near_end")


def test_printer_without_confirmation_prints_each_job_once_or_hands_it_back(pty_printer):
    sim, printer = pty_printer("generic-58")  # no process ID, no clear: cannot reprint safely
    sim.set_paper_left(250)
    failed, printed = [], []
    spooler = Spooler(
        printer, on_failed=failed.append, on_printed=printed.append, poll_interval=0.05, settle=0.05
    )
    jobs = [spooler.submit(doc) for doc in tickets(5)]
    wait_for(lambda: sim.paper_end, message="the paper never ran out")
    wait_for(lambda: any(j.state is JobState.RETURNED for j in jobs), message="no job handed back")
    sim.set_paper("ok")
    states = [j.wait(10) for j in jobs]
    spooler.close()

    assert set(states) <= {JobState.PRINTED, JobState.RETURNED}
    assert sorted(j.id for j in printed + failed) == sorted(j.id for j in jobs)  # none lost
    complete = Counter(n for p in sim.pages if not p.torn and not p.continued for n in numbers_on(p))
    assert max(complete.values()) == 1  # none twice
    for job in jobs:
        number = job.title.split()[-1]
        assert (job.state is JobState.PRINTED) == (complete[number] == 1), job
    assert [j.state for j in failed] == [JobState.RETURNED] and "partly printed" in failed[0].reason


def test_hold_zero_hands_a_job_back_at_once_and_never_prints_it_later(pty_printer):
    sim, printer = pty_printer()
    sim.set_paper("end")
    failed = []
    spooler = Spooler(printer, hold=0, on_failed=failed.append)
    job = spooler.submit(tickets(1)[0], payload=demo.TICKET)
    assert job.wait(3) is JobState.RETURNED
    assert failed == [job] and job.payload is demo.TICKET  # the kiosk shows the ticket on screen
    assert "out of paper" in job.reason
    sim.set_paper("ok")
    time.sleep(0.3)  # on purpose: time in which the handed-back job must NOT print after all
    spooler.close()
    assert sim.pages == [] and sim.received == sim.status_queries * 3  # nothing but status queries sent


def test_hold_limit_keeps_a_job_for_a_while_then_hands_it_back(pty_printer):
    sim, printer = pty_printer()
    sim.set_cover_open(True)
    spooler = Spooler(printer, hold=0.4, poll_interval=0.05)
    t0 = time.monotonic()
    job = spooler.submit(tickets(1)[0])
    assert job.wait(3) is JobState.RETURNED and time.monotonic() - t0 >= 0.4
    assert "cover open" in job.reason
    spooler.close()


def test_printer_switched_off_keeps_jobs_until_it_answers_again(pty_printer):
    sim, printer = pty_printer()
    sim.set_power(False)
    spooler = Spooler(printer, poll_interval=0.05)
    printer.status_timeout = 0.1
    jobs = [spooler.submit(doc) for doc in tickets(2)]
    time.sleep(0.4)  # on purpose: several status polls go unanswered, and no job may be given up meanwhile
    assert spooler.last_status.level.value == "unknown" and not any(j.done for j in jobs)
    sim.set_power(True)
    assert [j.wait(5) for j in jobs] == [JobState.PRINTED] * 2
    spooler.close()
    assert [numbers_on(p) for p in sim.pages] == [["A001"], ["A002"]]


def test_cover_opened_mid_job_cuts_off_the_partial_slip_and_reprints_it_whole(pty_printer):
    sim, printer = pty_printer()
    spooler = Spooler(printer, poll_interval=0.05)
    sim.open_cover_after(40)  # someone opens the cover 40 mm into the first ticket
    job = spooler.submit(tickets(1)[0])
    wait_for(lambda: job.interruptions == 1, message="the job was never interrupted")
    assert sim.cover_open and sim.pages == []
    sim.set_cover_open(False)
    assert job.wait(5) is JobState.PRINTED
    spooler.close()
    partial, whole = sim.pages  # the partial slip is cut off on its own, then the whole ticket
    assert not decode_qr(partial.image) and "深圳市南山区政务服务中心" in partial.text
    assert decode_qr(whole.image) == "https://hall.example.gov.cn/t/A001" and numbers_on(whole) == ["A001"]


def test_closing_the_queue_hands_back_what_is_left(pty_printer):
    sim, printer = pty_printer()
    sim.set_paper("end")
    failed = []
    spooler = Spooler(printer, on_failed=failed.append, poll_interval=0.05)
    jobs = [spooler.submit(doc) for doc in tickets(3)]
    wait_for(lambda: spooler.last_status.paper_end, message="the spooler never saw the paper end")  # the jobs are held
    left = spooler.close()
    assert left == jobs and failed == jobs
    assert all(j.state is JobState.RETURNED and "closed" in j.reason for j in jobs)
