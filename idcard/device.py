"""The ID card reader as a managed kiosk device (see :mod:`devices.health`).

The polling loop reconnects by itself, so :meth:`IdCardDevice.reconnect` has nothing to do;
health is what the poller last saw: ``missing`` (no port), ``degraded`` (a port, but no
healthy reader answering on it: wrong baud rate, SAM failure) or ``ok``.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from pathlib import Path

from devices.config import ConfigError, DeviceConfig
from devices.health import Device, Health, Status
from idcard.reader import CardEvent, CardPoller, SamReader


class IdCardDevice:
    kind = "idcard"

    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        name: str = "idcard",
        on_event: Callable[[CardEvent], None] | None = None,
        interval: float = 0.2,
        timeout: float = 1.0,
        retries: int = 2,
    ) -> None:
        self.name = name
        self.reader = SamReader(port, baud, timeout=timeout, retries=retries)
        self.poller = CardPoller(
            self.reader, on_event, interval=interval, reconnect_interval=max(0.2, interval)
        )

    @property
    def events(self) -> queue.Queue[CardEvent]:
        return self.poller.events

    def start(self) -> None:
        self.poller.start()

    def stop(self) -> None:
        self.poller.stop()

    def reconnect(self) -> None:
        """Nothing to do: the polling loop reopens the port on its own."""

    def health(self) -> Health:
        status, reason = self.poller.condition
        return Health(Status(status), reason)


def build(cfg: DeviceConfig, simulator_dir: Path | None) -> Device:
    """Factory used by :func:`devices.factory.build_device` for ``kind = "idcard"``."""
    from devices.factory import SimulatedDevice

    opts = cfg.options
    port = cfg.port or ""
    baud = cfg.baud or 115200
    sim = None
    if cfg.simulated:
        from idcard.cardfile import sample_cards
        from idcard.simulator import Fault, IdCardReaderSimulator

        try:
            faults = [Fault.parse(spec) for spec in opts.get("faults", [])]
        except ValueError as exc:
            raise ConfigError(f"device {cfg.name!r}: {exc}") from exc
        link = simulator_dir / cfg.name if simulator_dir is not None else None
        sim = IdCardReaderSimulator(opts.get("cards") or sample_cards(), link=link, baud=baud, faults=faults)
        port = sim.start()
    device = IdCardDevice(
        port,
        baud,
        name=cfg.name,
        interval=float(opts.get("poll_interval_s", 0.2)),
        timeout=float(opts.get("timeout_s", 1.0)),
        retries=int(opts.get("retries", 2)),
    )
    return SimulatedDevice(device, sim) if sim is not None else device
