"""A window's station for the tests: the pads' and the printer's simulators on ptys and a window agent with
the window's enrolled call-pad key (pads optional), against a real queue server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devices.simulators import KeypadSimulator
from devices.windowagent.agent import WindowAgent
from devices.windowagent.config import parse_agent_config
from printer.simulator import PrinterSimulator
from tests.support.hall import HallProcess
from tests.support.wait import wait_for

#: Pads that notice a lost link quickly (the agent's heartbeat), so a test does not wait.
FAST_PADS = {"heartbeat_s": 0.2, "heartbeat_timeout_s": 2.0}


@contextmanager
def pad_simulator(kind: type[KeypadSimulator], link: Path, **options: Any) -> Iterator[Any]:
    """A call pad or evaluation pad on a pty at ``link``, its timings shortened for the tests
    (a pad's retry of an unanswered press, its own clock)."""
    sim = kind(link, time_scale=0.2, retry_interval=0.15, **options)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@contextmanager
def printer_simulator(folder: Path) -> Iterator[PrinterSimulator]:
    """An 80 mm ESC/POS printer on a pty at ``folder/printer``; its pages in ``folder/printed``."""
    sim = PrinterSimulator("generic-80", folder / "printed")
    sim.start_pty(folder / "printer")
    try:
        yield sim
    finally:
        sim.stop()


def agent_config(
    hall: HallProcess,
    folder: Path,
    window: int,
    pad: dict[str, str],
    *,
    callpad: str | None = None,
    evalpad: str | None = None,
    printer: str | None = None,
) -> Any:
    """The agent's config: ``pad`` is the enrolled call pad's key files (``HallProcess.enroll``)."""
    server = {"router": hall.router, "pub": hall.pub, "server_key": pad["server_public"], "secret_key": pad["secret"]}
    devices = {kind: {"port": port, **FAST_PADS} for kind, port in (("callpad", callpad), ("evalpad", evalpad)) if port}
    raw: dict[str, Any] = {"agent": {"window": window, "name": "pad-1", "var_dir": str(folder / "var")}, "server": server}
    if devices:
        raw["devices"] = devices
    if printer:
        raw["printer"] = {"target": printer}
    return parse_agent_config(raw, base=folder)


@contextmanager
def running_agent(config: Any) -> Iterator[WindowAgent]:
    with WindowAgent(config) as agent:
        wait_for(lambda: agent.subscriber.synced, timeout=10, message="the agent never synced with the hall")
        yield agent
