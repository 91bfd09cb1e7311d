"""The command line: a demo ticket through the simulator, status of a running simulator."""

from __future__ import annotations

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
