"""Reporting the window's devices' health to the server (``device.health``), as kiosks do: each
change is sent from one thread; one the server did not take is kept (the newest per device)
and sent again, so staff see the true state once the server is back."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from devices.health import HealthChanged
from protocol.client import RequestFailed

log = logging.getLogger(__name__)


class HealthReporter:
    def __init__(self, request: Callable[..., dict[str, Any]], *, retry_s: float = 2.0) -> None:
        self._request = request
        self.retry_s = retry_s
        self._pending: dict[str, dict[str, Any]] = {}  # device → its newest unsent report
        self._cv = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="agent-health", daemon=True)
        self.sent: list[dict[str, Any]] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._thread.join(10)

    def changed(self, change: HealthChanged) -> None:
        message = change.to_message()
        message.pop("type")  # the request's type, not a field of its body
        with self._cv:
            old = self._pending.get(change.device)
            if old is not None:
                message["old"] = old["old"]  # the server last heard the older status
            self._pending[change.device] = message
            self._cv.notify_all()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._stopping:
                    self._cv.wait()
                if self._stopping:
                    return
                device, message = next(iter(self._pending.items()))
            try:
                self._request("device.health", message)
            except RequestFailed as exc:
                log.warning("device health of %s not reported: %s", device, exc)
                with self._cv:
                    self._cv.wait(self.retry_s)
                continue
            with self._cv:
                if self._pending.get(device) is message:
                    del self._pending[device]
                self.sent.append(message)
