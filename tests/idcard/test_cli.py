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


def _simulate(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    """The simulator fed ``stdin`` and then end of input, as from a script or a closed terminal."""
    return subprocess.run(
        [sys.executable, "-m", "idcard", "simulate", "--time-scale", "0", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=10,
    )


def test_the_simulator_lists_the_cards_that_place_n_counts() -> None:
    done = _simulate(stdin="place 2\nlist\n")
    assert done.returncode == 0, done.stderr
    first_list, _, after = done.stderr.partition("placed ")
    # The list comes before any command: the numbers place N takes, a masked ID on each line.
    assert "  0  居民身份证  李文静  1101**********0024  (valid)  ← 在读卡区 / on the reader" in first_list
    assert "  2  港澳台居民居住证  陈嘉欣  8100**********0021" in first_list
    assert "110105196205140024" not in done.stderr
    # ``list`` shows it again, with card 2 now on the reader.
    assert "  2  港澳台居民居住证  陈嘉欣  8100**********0021  (valid)  ← 在读卡区 / on the reader" in after


def test_help_shows_the_list_too() -> None:
    done = _simulate(stdin="help\n")
    assert done.returncode == 0
    help_part = done.stderr.split("quit")[-1]
    assert "证件列表 / cards (place N):" in help_part and "  4  居民身份证  赵海洋" in help_part


def test_place_of_a_card_not_on_the_list_says_so() -> None:
    done = _simulate(stdin="place 7\nplace -1\nstatus\n")
    assert done.returncode == 0
    assert "没有第 7 张证件 / no card 7: the list has 0–4 (type list)" in done.stderr
    assert "没有第 -1 张证件 / no card -1" in done.stderr
    assert "card=IdCard(resident, 1101**********0024)" in done.stderr  # the card lying there stays


def test_the_simulator_ends_when_its_input_closes(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "idcard", "simulate", "--link", str(tmp_path / "reader")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stdin is not None
    assert Path(proc.stdout.readline().strip()).exists()  # it is up and serving
    proc.stdin.close()
    try:
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()
    assert not (tmp_path / "reader").exists()  # and it took its pty link with it


def test_no_console_runs_without_input_until_terminated(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "idcard", "simulate", "--no-console", "--link", str(tmp_path / "reader")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        result = run_read("--port", path)  # still serving though its stdin is at its end
        assert result.returncode == 0, result.stderr
        assert proc.poll() is None
        proc.terminate()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
