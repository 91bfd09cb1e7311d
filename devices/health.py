"""Device health and the device manager of a kiosk.

Each device reports :class:`Health`: ``ok``, ``degraded`` (there, but not fully working: no
heartbeat, SAM fault, dark camera) or ``missing`` (not there at all), always with a reason a
technician can act on. The manager checks every device periodically, asks missing ones to
reconnect (rate-limited, so a dead port is not hammered), and reports each *change* as a
:class:`HealthChanged` event through a callback and a queue, ready to forward to the queue
server (``to_message()`` gives a JSON-able dict).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)


class Status(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return {
            Status.OK: "正常 / ok",
            Status.DEGRADED: "异常 / degraded",
            Status.MISSING: "未连接 / missing",
        }[self]


@dataclass(frozen=True)
class Health:
    status: Status
    reason: str = ""

    @classmethod
    def ok(cls, reason: str = "") -> Health:
        return cls(Status.OK, reason)

    @classmethod
    def degraded(cls, reason: str) -> Health:
        return cls(Status.DEGRADED, reason)

    @classmethod
    def missing(cls, reason: str) -> Health:
        return cls(Status.MISSING, reason)


@runtime_checkable
class Device(Protocol):
    """What the manager needs from a device."""

    name: str
    kind: str

    def start(self) -> None:
        """Begin working (open the port, start threads). Must not raise if the device is absent."""

    def stop(self) -> None: ...

    def health(self) -> Health:
        """Current health; cheap, no I/O that can block for long."""

    def reconnect(self) -> None:
        """Try once to get a missing device back. Must not raise."""


@dataclass(frozen=True)
class HealthChanged:
    device: str
    kind: str
    old: Status | None  # None: first report after start
    new: Status
    reason: str
    at: dt.datetime

    def to_message(self) -> dict[str, Any]:
        return {
            "type": "device.health",
            "device": self.device,
            "kind": self.kind,
            "old": self.old.value if self.old else None,
            "status": self.new.value,
            "reason": self.reason,
            "at": self.at.isoformat(),
        }


class DeviceManager:
    def __init__(
        self,
        devices: Iterable[Device] = (),
        *,
        interval: float = 1.0,
        reconnect_interval: float = 2.0,
        on_change: Callable[[HealthChanged], None] | None = None,
    ) -> None:
        self.devices: dict[str, Device] = {}
        for device in devices:
            self.add(device)
        self.interval = interval
        self.reconnect_interval = reconnect_interval
        self.on_change = on_change
        self.events: queue.Queue[HealthChanged] = queue.Queue()
        self._health: dict[str, Health] = {}
        self._last_reconnect: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def add(self, device: Device) -> None:
        if device.name in self.devices:
            raise ValueError(f"duplicate device name {device.name!r}")
        self.devices[device.name] = device

    def __getitem__(self, name: str) -> Device:
        return self.devices[name]

    def snapshot(self) -> dict[str, Health]:
        with self._lock:
            return dict(self._health)

    def check_now(self) -> list[HealthChanged]:
        """Check every device once; reconnect the missing ones; return (and emit) changes."""
        changes: list[HealthChanged] = []
        now = time.monotonic()
        for name, device in self.devices.items():
            health = self._safe_health(device)
            if (
                health.status is Status.MISSING
                and now - self._last_reconnect.get(name, -1e9) >= self.reconnect_interval
            ):
                self._last_reconnect[name] = now
                try:
                    device.reconnect()
                except Exception as exc:  # a device bug must not stop the other devices' checks
                    log.warning("reconnect of %s failed: %s", name, exc)
                health = self._safe_health(device)
            with self._lock:
                old = self._health.get(name)
                self._health[name] = health
            if old is None or old != health:
                event = HealthChanged(
                    device=name,
                    kind=device.kind,
                    old=old.status if old else None,
                    new=health.status,
                    reason=health.reason,
                    at=dt.datetime.now(dt.UTC),
                )
                changes.append(event)
                self.events.put(event)
                if self.on_change is not None:
                    self.on_change(event)
        return changes

    @staticmethod
    def _safe_health(device: Device) -> Health:
        try:
            return device.health()
        except Exception as exc:
            return Health.degraded(f"health check failed: {exc}")

    def start(self) -> None:
        for device in self.devices.values():
            device.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="DeviceManager", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_now()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for device in self.devices.values():
            try:
                device.stop()
            except Exception as exc:
                log.warning("stopping %s: %s", device.name, exc)

    def __enter__(self) -> DeviceManager:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
