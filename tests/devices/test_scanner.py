"""The scanner driver against the simulated scanner through a real pseudo-terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.health import Status
from devices.scanner import Scanner
from devices.simulators import ScannerSimulator
from tests.support.wait import wait_for


@pytest.fixture
def scanner(scanner_sim: ScannerSimulator) -> Iterator[Scanner]:
    dev = Scanner(scanner_sim.path, idle_gap=0.05, reconnect_interval=0.05)
    dev.start()
    yield dev
    dev.stop()


@pytest.mark.parametrize("suffix", [b"\r", b"\n", b"\r\n"])
def test_each_suffix_ends_a_code(scanner_sim: ScannerSimulator, scanner: Scanner, suffix: bytes) -> None:
    scanner_sim.scan("A012", suffix=suffix)
    scanner_sim.scan("https://hall.example/t/7f3a", suffix=suffix)
    first, second = scanner.read_code(2), scanner.read_code(2)
    assert first is not None and first.text == "A012"
    assert second is not None and second.text == "https://hall.example/t/7f3a"
    assert scanner.read_code(0.2) is None  # CRLF did not make an extra empty code


def test_no_suffix_idle_gap_ends_the_code(scanner_sim: ScannerSimulator, scanner: Scanner) -> None:
    scanner_sim.scan("6901234567892", suffix=b"")
    result = scanner.read_code(2)
    assert result is not None and result.text == "6901234567892"


def test_chinese_utf8_and_gb18030(scanner_sim: ScannerSimulator, scanner: Scanner) -> None:
    scanner_sim.scan("营业执照 91110000MA01", encoding="utf-8")
    scanner_sim.scan("不动产登记 京(2026)", encoding="gb18030")
    utf8, gb = scanner.read_code(2), scanner.read_code(2)
    assert utf8 is not None and (utf8.text, utf8.encoding) == ("营业执照 91110000MA01", "utf-8")
    assert gb is not None and (gb.text, gb.encoding) == ("不动产登记 京(2026)", "gb18030")


def test_unplug_is_missing_and_replug_reads_again(scanner_sim: ScannerSimulator, scanner: Scanner) -> None:
    assert scanner.health().status is Status.OK
    scanner_sim.unplug()
    wait_for(lambda: scanner.health().status is Status.MISSING, message="unplugged, not missing")
    scanner_sim.replug()
    wait_for(lambda: scanner.health().status is Status.OK, message="replugged, not ok")
    assert scanner.opens == 2
    scanner_sim.scan("after-replug")
    result = scanner.read_code(2)
    assert result is not None and result.text == "after-replug"
