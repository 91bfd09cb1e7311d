"""``python -m idcard simulate`` and ``python -m idcard read`` as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from idcard.cardfile import SAMPLES_DIR

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run_read(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idcard", "read", *args], capture_output=True, text=True, env=ENV, timeout=30
    )


class SimProcess:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "idcard", "simulate", "--time-scale", "0.05", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        assert self.proc.stdout is not None
        self.path = self.proc.stdout.readline().strip()

    def command(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.communicate(timeout=10)  # also closes the pipes


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[SimProcess]:
    sim = SimProcess("--link", str(tmp_path / "reader"))
    yield sim
    sim.stop()


def test_simulate_prints_the_pty_path_and_read_shows_masked_fields(simulator: SimProcess) -> None:
    assert Path(simulator.path).exists()
    result = run_read("--port", simulator.path)
    assert result.returncode == 0, result.stderr
    assert "姓名 Name" in result.stdout and "李文静" in result.stdout
    assert "1101**********0024" in result.stdout
    assert "110105196205140024" not in result.stdout
    assert "长期" in result.stdout and "有效 / valid" in result.stdout
    assert "未安装照片解码器" in result.stdout


def test_reveal_and_json(simulator: SimProcess) -> None:
    result = run_read("--port", simulator.path, "--json", "--reveal")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id_number"] == "110105196205140024"
    assert data["valid_to"] == "长期" and data["kind"] == "resident"
    masked = json.loads(run_read("--port", simulator.path, "--json").stdout)
    assert masked["id_number"] == "1101**********0024"


def test_expired_card_is_read_and_shown_expired(tmp_path: Path) -> None:
    sim = SimProcess("--link", str(tmp_path / "r"), "--card", str(SAMPLES_DIR / "resident_expired.json"))
    try:
        result = run_read("--port", sim.path)
        assert result.returncode == 0
        assert "已过期 / EXPIRED" in result.stdout
    finally:
        sim.stop()


def test_no_reader(tmp_path: Path) -> None:
    result = run_read("--port", str(tmp_path / "ttyUSB9"))
    assert result.returncode == 3
    assert "未找到读卡器" in result.stderr and "No ID card reader" in result.stderr


def test_wrong_baud_rate_is_no_reader_with_a_hint(simulator: SimProcess) -> None:
    result = run_read("--port", simulator.path, "--baud", "9600", "--timeout", "0.3")
    assert result.returncode == 3
    assert "9600" in result.stderr and "right rate?" in result.stderr


def test_no_card(tmp_path: Path) -> None:
    sim = SimProcess("--link", str(tmp_path / "r"), "--empty")
    try:
        result = run_read("--port", sim.path)
        assert result.returncode == 4
        assert "请将身份证放在读卡区" in result.stderr and "No card" in result.stderr
    finally:
        sim.stop()


def test_wait_for_a_card_placed_later(tmp_path: Path) -> None:
    sim = SimProcess("--link", str(tmp_path / "r"), "--empty")
    try:
        reader = subprocess.Popen(
            [sys.executable, "-m", "idcard", "read", "--port", sim.path, "--wait", "10", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        sim.command("place 2")
        out, err = reader.communicate(timeout=20)
        assert reader.returncode == 0, err
        assert json.loads(out)["kind"] in ("resident", "hmt_permit", "foreign_permanent")
    finally:
        sim.stop()


def test_bad_card_is_refused(tmp_path: Path) -> None:
    bad = json.loads((SAMPLES_DIR / "resident_long_term.json").read_text(encoding="utf-8"))
    bad["id_number"] = "110105196205140025"  # wrong check digit
    card = tmp_path / "bad.json"
    card.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    sim = SimProcess("--link", str(tmp_path / "r"), "--card", str(card))
    try:
        result = run_read("--port", sim.path)
        assert result.returncode == 5
        assert "证件信息校验失败" in result.stderr and "check character" in result.stderr
    finally:
        sim.stop()


def test_persistent_checksum_errors_are_a_failed_read(tmp_path: Path) -> None:
    sim = SimProcess("--link", str(tmp_path / "r"), "--fault", "checksum@read*0")
    try:
        result = run_read("--port", sim.path)
        assert result.returncode == 5
        assert "读卡失败" in result.stderr and "checksum" in result.stderr
    finally:
        sim.stop()


def test_bad_fault_spec_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "idcard", "simulate", "--fault", "meltdown"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=30,
    )
    assert proc.returncode == 2 and "unknown fault" in proc.stderr
