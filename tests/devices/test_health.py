"""Device manager over real devices and simulators; kiosk configuration."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.camera import CameraDevice
from devices.config import ConfigError, load_config, parse_config
from devices.factory import build_device, build_manager
from devices.health import DeviceManager, Health, HealthChanged, Status
from devices.scanner import Scanner
from devices.simulators import ScannerSimulator
from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "kiosk.example.toml"


def wait_event(
    events: queue.Queue[HealthChanged], device: str, status: Status, timeout: float = 5
) -> HealthChanged:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            event = events.get(timeout=max(0.01, end - time.monotonic()))
        except queue.Empty:
            break
        if event.device == device and event.new is status:
            return event
    raise AssertionError(f"{device} never became {status}")


def test_manager_reports_unplug_and_replug_as_events(scanner_sim: ScannerSimulator) -> None:
    seen: list[HealthChanged] = []
    scanner = Scanner(scanner_sim.path, name="front-scanner", auto_reconnect=False)
    manager = DeviceManager([scanner], interval=0.05, reconnect_interval=0.1, on_change=seen.append)
    with manager:
        first = wait_event(manager.events, "front-scanner", Status.OK)
        assert first.old is None
        scanner_sim.unplug()
        lost = wait_event(manager.events, "front-scanner", Status.MISSING)
        assert (lost.old is Status.OK and "disconnected" in lost.reason) or "cannot open" in lost.reason
        scanner_sim.replug()
        back = wait_event(manager.events, "front-scanner", Status.OK)  # reconnected by the manager
        assert back.old is Status.MISSING
        scanner_sim.scan("still works")
        result = scanner.read_code(2)
        assert result is not None and result.text == "still works"
    assert [e.new for e in seen][:3] == [Status.OK, Status.MISSING, Status.OK]
    message = seen[1].to_message()
    assert message["type"] == "device.health" and message["status"] == "missing" and message["old"] == "ok"


def test_reconnect_attempts_are_rate_limited(tmp_path: Path) -> None:
    class Flaky:
        name, kind = "flaky", "test"

        def __init__(self) -> None:
            self.attempts = 0

        def start(self) -> None: ...
        def stop(self) -> None: ...

        def health(self) -> Health:
            return Health.missing("unplugged")

        def reconnect(self) -> None:
            self.attempts += 1

    flaky = Flaky()
    manager = DeviceManager([flaky], reconnect_interval=10)
    for _ in range(5):
        manager.check_now()
    assert flaky.attempts == 1
    assert len(manager.events.queue) == 1  # one report: nothing changed after the first


def test_a_broken_device_does_not_stop_the_others() -> None:
    class Broken:
        name, kind = "broken", "test"

        def start(self) -> None: ...
        def stop(self) -> None: ...

        def health(self) -> Health:
            raise RuntimeError("driver bug")

        def reconnect(self) -> None: ...

    camera = CameraDevice("synthetic:face")
    camera.start()
    manager = DeviceManager([Broken(), camera])
    manager.check_now()
    health = manager.snapshot()
    assert health["broken"].status is Status.DEGRADED and "driver bug" in health["broken"].reason
    assert health["camera"].status is Status.OK


def test_example_config_loads_and_every_device_comes_up() -> None:
    config = load_config(EXAMPLE)
    assert set(config.devices) == {"idcard", "scanner", "evalpad", "callpad", "camera"}
    assert config.devices["idcard"].baud == 115200 and config.devices["scanner"].baud == 9600
    assert config.devices["evalpad"].options["keymap"]["1"] == 5
    manager = build_manager(config, interval=0.1)
    with manager:
        wait_for(
            lambda: {name: h.status for name, h in manager.snapshot().items()} == dict.fromkeys(config.devices, Status.OK),
            message=lambda: f"not every device came up: {manager.snapshot()}",
        )
        card_events = manager["idcard"].events  # the simulated reader has a card on it
        kinds = [type(card_events.get(timeout=3)).__name__ for _ in range(3)]
        assert kinds == ["ReaderReady", "CardPlaced", "CardRead"]


def test_real_port_path_that_is_not_there_is_missing_with_the_reason(tmp_path: Path) -> None:
    config = parse_config(
        {"devices": {"pad": {"kind": "callpad", "port": str(tmp_path / "ttyACM7"), "window": 2}}}
    )
    device = build_device(config.devices["pad"])
    device.start()
    try:
        health = device.health()
        assert health.status is Status.MISSING and "ttyACM7" in health.reason
    finally:
        device.stop()


@pytest.mark.parametrize(
    ("devices", "message"),
    [
        ({"x": {"kind": "printer", "port": "/dev/x"}}, "kind must be one of"),
        ({"x": {"kind": "scanner"}}, "port is required"),
        ({"x": {"kind": "scanner", "port": "/dev/x", "baud": 12345}}, "baud must be one of"),
        ({"x": {"kind": "camera"}}, "camera needs source"),
        ({"x": {"kind": "camera", "source": "device:0", "port": "/dev/x"}}, "not a port"),
    ],
)
def test_config_errors_name_the_device_and_field(devices: dict[str, dict[str, object]], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_config({"devices": devices})
    assert "'x'" in str(info.value)


def test_unknown_option_is_caught_at_build_time() -> None:
    config = parse_config({"devices": {"pad": {"kind": "evalpad", "port": "simulated", "keympa": {}}}})
    with pytest.raises(ConfigError, match="keympa"):
        build_device(config.devices["pad"])


def test_bad_keymap_level_is_a_config_error() -> None:
    config = parse_config({"devices": {"pad": {"kind": "evalpad", "port": "simulated", "keymap": {"1": 7}}}})
    with pytest.raises(ConfigError, match=r"1\.\.5"):
        build_device(config.devices["pad"])


def test_toml_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[devices.scanner\nkind = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_check_command_prints_health_and_exit_code(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(
        [sys.executable, "-m", "devices", "check", "--config", str(EXAMPLE), "--wait", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("正常 / ok") == 5
    missing = tmp_path / "kiosk.toml"
    missing.write_text('[devices.scanner]\nkind = "scanner"\nport = "/dev/ttyACM9-missing"\n')
    bad = subprocess.run(
        [sys.executable, "-m", "devices", "check", "--config", str(missing), "--wait", "0.2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 1 and "未连接 / missing" in bad.stdout and "ttyACM9-missing" in bad.stdout


def test_simulate_command_prints_a_path_and_scans_stdin(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devices",
            "simulate",
            "scanner",
            "--suffix",
            "crlf",
            "--link",
            str(tmp_path / "s"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        path = proc.stdout.readline().strip()
        scanner = Scanner(path)
        scanner.start()
        try:
            wait_for(lambda: scanner.is_open, message="the scanner's port never opened")
            proc.stdin.write("预约码 Y20260601-17\n")
            proc.stdin.flush()
            result = scanner.read_code(5)
        finally:
            scanner.stop()
        assert result is not None and result.text == "预约码 Y20260601-17"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_simulate_callpad_command_reports_the_hosts_answer(tmp_path: Path) -> None:
    from devices.keypad import CallPad

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devices",
            "simulate",
            "callpad",
            "--window",
            "3",
            "--link",
            str(tmp_path / "c"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
        path = proc.stdout.readline().strip()
        pad = CallPad(path, window=3, handler=lambda event: "A009")
        pad.start()
        try:
            wait_for(lambda: pad.is_open, message="the call pad's port never opened")
            proc.stdin.write("next\n")
            proc.stdin.flush()
            proc.stderr.readline()  # the banner
            assert proc.stderr.readline().strip() == "#1: ACK A009"
        finally:
            pad.stop()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
