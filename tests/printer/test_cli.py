"""The command line: a demo ticket through the simulator, status of a running simulator."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from printer import demo
from tests.printer.conftest import decode_qr
from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "printer", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_ticket_demo_renders_a_png_through_the_simulator(tmp_path):
    out = tmp_path / "ticket.png"
    done = run("ticket", "--demo", "--png", str(out))
    assert done.returncode == 0, done.stderr
    assert "A012" in done.stdout and "/dev/pts/" in done.stdout
    assert decode_qr(Image.open(out)) == demo.TICKET.url


def test_other_slips_and_58mm(tmp_path):
    out = tmp_path / "receipt.png"
    done = run("slip", "receipt", "--demo", "--png", str(out), "--profile", "generic-58", "--lang", "zh+en")
    assert done.returncode == 0, done.stderr
    assert "Acceptance Receipt" in done.stdout
    assert Image.open(out).width == 58 * 8


def test_simulate_then_status_over_tcp_and_control(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "printer", "simulate", "--tcp", "0", "--out", str(tmp_path / "pages")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = control = None
        deadline = time.monotonic() + 20
        while control is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if m := re.search(r"tcp 127\.0\.0\.1:(\d+)", line):
                port = int(m.group(1))
            if m := re.match(r"control: (\S+)", line):
                control = m.group(1)
        assert port and control, proc.stderr.read() if proc.poll() is not None else "no banner"

        ok = run("status", "--tcp", f"127.0.0.1:{port}")
        assert ok.returncode == 0 and "ready" in ok.stdout and "12 12 12 12" in ok.stdout

        assert run("simctl", "--control", control, "paper", "end").returncode == 0
        out = run("status", "--tcp", f"127.0.0.1:{port}", "--json")
        assert out.returncode == 1 and '"level": "paper_end"' in out.stdout

        run("simctl", "--control", control, "paper", "ok")
        os.kill(proc.pid, signal.SIGUSR2)  # open the cover from the outside

        def cover_open():
            out = run("status", "--tcp", f"127.0.0.1:{port}")
            return out if "cover_open" in out.stdout else None

        out = wait_for(cover_open, message="the cover never showed as open")
        assert out.returncode == 1
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0


def test_status_of_a_silent_port_is_unknown():
    master, slave = os.openpty()
    try:
        done = run("status", "--port", os.ttyname(slave), "--timeout", "0.2")
    finally:
        os.close(master)
        os.close(slave)
    assert done.returncode == 2 and "unknown" in done.stdout


def test_certificate_demo(tmp_path):
    done = run("certificate", "--demo", "--pdf", str(tmp_path / "c.pdf"), "--png", str(tmp_path / "c.png"))
    assert done.returncode == 0, done.stderr
    assert decode_qr(Image.open(tmp_path / "c.png")) == demo.CERTIFICATE.verify_url


def run_input(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "printer", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=30
    )


#: A ``ticket.issue`` reply as the server sends it (``protocol.models.queue``), 2026-11-26 09:31 in Shanghai.
REPLY = {
    "id": "H01-20261126-G003",
    "number": "G003",
    "token": "f3a9c2",
    "hall": "H01",
    "item_code": "residence_permit",
    "item_name": {"zh": "居住证办理", "en": "Residence permit"},
    "stream": "citizen",
    "state": "waiting",
    "position": 2,
    "estimated_wait_s": 600,
    "issued_at": 1795656660.0,
    "page_url": "https://hall.example.gov.cn/m/ticket/H01-20261126-G003?token=f3a9c2",
    "priority": "green",
}


def test_ticket_from_a_server_reply_on_stdin_through_the_simulator(tmp_path):
    out = tmp_path / "g003.png"
    done = run_input(
        json.dumps({"ticket": REPLY}, ensure_ascii=False),
        "ticket", "--json", "-", "--hall-name", "示范区政务服务中心", "--png", str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "ignored" not in done.stderr
    lines = done.stdout.splitlines()
    for text in ("示范区政务服务中心", "G003", "居住证办理"):
        assert text in lines
    assert "绿色通道" in done.stdout  # the reply's priority: the lane mark
    assert any(ln.startswith("前面等候") and ln.endswith("2 人") for ln in lines)
    assert any(ln.startswith("预计等候") and ln.endswith("约 10 分钟") for ln in lines)
    assert any(ln.startswith("取号时间") and ln.endswith("2026-11-26 09:31") for ln in lines)  # hall's time
    assert decode_qr(Image.open(out)) == REPLY["page_url"]  # the page the server gave, as the kiosk prints it


def test_an_older_scripts_public_url_is_ignored_with_a_warning_and_the_slip_still_prints(tmp_path):
    out = tmp_path / "g003.png"
    done = run_input(json.dumps(REPLY, ensure_ascii=False), "ticket", "--json", "-",
                     "--public-url", "http://192.0.2.7:8080", "--png", str(out))
    assert done.returncode == 0, done.stderr
    zh, _, en = done.stderr.strip().partition(" / ")
    assert zh.startswith("--public-url 已不再使用") and "ignored" in en  # Chinese first, then English
    assert decode_qr(Image.open(out)) == REPLY["page_url"]  # not a link made from the ignored address


def test_ticket_from_fields_to_a_printer_on_a_serial_port_and_on_tcp(sim_factory):
    serial_sim, tcp_sim = sim_factory("generic-58"), sim_factory("generic-80")
    fields = ["--number", "A012", "--item-name", "不动产登记", "--hall-name", "示范区政务服务中心",
              "--ahead", "5", "--wait-min", "15", "--issued", "2026-11-26T09:31"]  # fmt: skip
    done = run("ticket", *fields, "--profile", "generic-58", "--to", serial_sim.start_pty())
    assert done.returncode == 0, done.stderr
    done = run("ticket", *fields, "--priority", "appointment", "--lang", "zh+en",
               "--url", "https://hall.example.gov.cn/t/A012", "--to", f"tcp://127.0.0.1:{tcp_sim.start_tcp()}")  # fmt: skip
    assert done.returncode == 0, done.stderr

    plain, marked = serial_sim.wait_pages(1)[0], tcp_sim.wait_pages(1)[0]
    for page in (plain, marked):
        texts = [ln.text for ln in page.lines]
        assert "示范区政务服务中心" in texts and "A012" in texts and "不动产登记" in texts
        assert any("2026-11-26 09:31" in t for t in texts)
    assert "约 15 分钟" in plain.text and not plain.qr_codes  # no page given: no QR code to a dead link
    assert "预约" not in plain.text
    assert "预约 Appointment" in marked.text
    assert decode_qr(marked.image) == "https://hall.example.gov.cn/t/A012"
    assert serial_sim.interp.unknown == [] and tcp_sim.interp.unknown == []


def test_ticket_without_data_or_with_a_broken_reply_is_a_usage_error(tmp_path):
    nothing = run("ticket", "--png", str(tmp_path / "x.png"))
    assert nothing.returncode == 2 and "--number" in nothing.stderr
    broken = run_input("{not json", "ticket", "--json", "-")
    assert broken.returncode == 2 and "cannot read the ticket reply" in broken.stderr
    partial = run_input(json.dumps({"number": "A1"}), "ticket", "--json", "-")
    assert partial.returncode == 2 and "issued_at" in partial.stderr
    assert not (tmp_path / "x.png").exists()
