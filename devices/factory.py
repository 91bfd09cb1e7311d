"""Build a kiosk's devices (and, for ``port = "simulated"``, their simulators) from its config.

The ID card reader lives in the ``idcard`` package, which depends on ``devices``, not the
other way round; it is therefore found by module name (``idcard.device``) at build time.
"""

from __future__ import annotations

import contextlib
import importlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.camera import CameraDevice
from devices.config import ConfigError, DeviceConfig, KioskConfig
from devices.health import Device, DeviceManager, Health, HealthChanged
from devices.keypad import CallPad, EvaluationKeypad
from devices.ptyport import PtySimulator
from devices.scanner import Scanner
from devices.simulators import CallPadSimulator, EvalPadSimulator, ScannerSimulator

OPTIONS = {
    "scanner": {"idle_gap_ms", "suffix"},
    "evalpad": {"keymap", "heartbeat_s", "heartbeat_timeout_s"},
    "callpad": {"keymap", "window", "heartbeat_s", "heartbeat_timeout_s"},
    "camera": set(),
    "idcard": {"poll_interval_s", "timeout_s", "retries", "cards", "faults"},
}
SUFFIXES = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "NONE": b""}
# Kinds implemented outside this package: "module:factory(config, simulator_dir) -> Device".
EXTERNAL_KINDS = {"idcard": "idcard.device:build"}


class SimulatedDevice:
    """A device bundled with the simulator it talks to: starts the simulator first, stops it
    last, and otherwise behaves as the device (attribute access falls through)."""

    def __init__(self, device: Any, simulator: PtySimulator) -> None:
        self.device = device
        self.simulator = simulator
        self.name: str = device.name
        self.kind: str = device.kind

    def start(self) -> None:
        self.device.start()

    def stop(self) -> None:
        self.device.stop()
        stop_simulator(self.simulator)

    def health(self) -> Health:
        return self.device.health()

    def reconnect(self) -> None:
        self.device.reconnect()

    def __getattr__(self, item: str) -> Any:
        return getattr(self.device, item)


def stop_simulator(sim: PtySimulator) -> None:
    sim.stop()
    link = sim.port.link
    if link is not None and link.parent.name.startswith("hall-"):
        # The temporary folder of the simulators' links: the last one out removes it.
        with contextlib.suppress(OSError):
            link.parent.rmdir()


def _check_options(cfg: DeviceConfig) -> None:
    unknown = set(cfg.options) - OPTIONS[cfg.kind]
    if unknown:
        raise ConfigError(
            f"device {cfg.name!r}: unknown option(s) {sorted(unknown)}; {cfg.kind} takes {sorted(OPTIONS[cfg.kind])}"
        )


def build_device(
    cfg: DeviceConfig, *, simulator_dir: Path | None = None, handler: Callable[..., Any] | None = None
) -> Device:
    """One device. ``handler`` receives keypad events (evaluations, call-pad commands)."""
    _check_options(cfg)
    opts = cfg.options
    if cfg.simulated and simulator_dir is None and cfg.kind != "camera":
        simulator_dir = Path(tempfile.mkdtemp(prefix="hall-sim-"))
    if cfg.kind in EXTERNAL_KINDS:
        module, _, func = EXTERNAL_KINDS[cfg.kind].partition(":")
        return getattr(importlib.import_module(module), func)(cfg, simulator_dir)  # type: ignore[no-any-return]
    if cfg.kind == "camera":
        return CameraDevice(cfg.source or "device:0", name=cfg.name)

    assert cfg.port is not None and cfg.baud is not None
    sim: PtySimulator | None = None
    port = cfg.port
    if cfg.simulated:
        assert simulator_dir is not None
        link = simulator_dir / cfg.name
        if cfg.kind == "scanner":
            suffix = str(opts.get("suffix", "CR")).upper()
            if suffix not in SUFFIXES:
                raise ConfigError(f"device {cfg.name!r}: suffix must be one of {sorted(SUFFIXES)}")
            sim = ScannerSimulator(link, baud=cfg.baud, suffix=SUFFIXES[suffix])
        elif cfg.kind == "evalpad":
            sim = EvalPadSimulator(link, baud=cfg.baud)
        else:
            sim = CallPadSimulator(link, baud=cfg.baud, window=opts.get("window", 1))
        port = sim.start()

    device: Any
    if cfg.kind == "scanner":
        device = Scanner(port, cfg.baud, name=cfg.name, idle_gap=float(opts.get("idle_gap_ms", 50)) / 1000)
    else:
        common: dict[str, Any] = {
            "name": cfg.name,
            "handler": handler,
            "heartbeat": float(opts.get("heartbeat_s", 2.0)),
            "heartbeat_timeout": float(opts.get("heartbeat_timeout_s", 5.0)),
        }
        try:
            if cfg.kind == "evalpad":
                device = EvaluationKeypad(port, cfg.baud, keymap=opts.get("keymap"), **common)
            else:
                device = CallPad(
                    port, cfg.baud, window=opts.get("window"), keymap=opts.get("keymap"), **common
                )
        except ValueError as exc:
            if sim is not None:
                stop_simulator(sim)
            raise ConfigError(f"device {cfg.name!r}: {exc}") from exc
    return SimulatedDevice(device, sim) if sim is not None else device  # type: ignore[return-value]


def build_manager(
    config: KioskConfig,
    *,
    on_change: Callable[[HealthChanged], None] | None = None,
    handler: Callable[..., Any] | None = None,
    interval: float = 1.0,
) -> DeviceManager:
    simulated = any(cfg.simulated and cfg.kind != "camera" for cfg in config.devices.values())
    simulator_dir = Path(tempfile.mkdtemp(prefix=f"hall-{config.kiosk_id}-")) if simulated else None
    manager = DeviceManager(interval=interval, on_change=on_change)
    try:
        for cfg in config.devices.values():
            manager.add(build_device(cfg, simulator_dir=simulator_dir, handler=handler))
    except Exception:
        manager.stop()
        raise
    return manager
