"""The display's link to the queue server, without Kivy: subscriber + model + announcer.

``DisplayLink.poll(timeout)`` is called from the UI's clock (or a loop); it drives the
:class:`protocol.CloneSubscriber` (snapshot on start and on a gap, re-sync on a server
restart, ``connected`` from heartbeats), applies events to the :class:`HallModel` and hands
calls to the :class:`Announcer`. The catalogue (item names and groups) is fetched by a
background thread with its own client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol import CloneSubscriber, CurveClientKeys, HallClient, RequestFailed

from .announcer import Announcer
from .model import Call, HallModel

log = logging.getLogger(__name__)


@dataclass
class Endpoints:
    router: str = "tcp://127.0.0.1:5570"
    pub: str = "tcp://127.0.0.1:5571"
    hall: str | None = None  # None: the hall the server serves (its first snapshot says)
    server_public: Path | None = None  # CURVE: the server's public key file
    secret: Path | None = None  # CURVE: this display's secret key file

    def curve(self) -> CurveClientKeys | None:
        if self.server_public is None or self.secret is None:
            return None
        return CurveClientKeys.from_files(self.server_public, self.secret)

    @classmethod
    def from_keys_dir(cls, keys: Path | str, name: str, **kw: Any) -> Endpoints:
        """``keys`` holds ``server.key`` and ``devices/<name>.key_secret`` (or ``<name>.key_secret``),
        as ``python -m queue_server device enroll`` makes them under ``var/keys``."""
        keys = Path(keys)
        hall = kw.get("hall")
        # A second hall's device of the same name has its keys in devices/<hall>/ (device enroll).
        choices = [*([keys / "devices" / hall] if hall else []), keys / "devices", keys]
        secret = next((d / f"{name}.key_secret" for d in choices if (d / f"{name}.key_secret").exists()), choices[-2] / f"{name}.key_secret")
        return cls(server_public=keys / "server.key", secret=secret, **kw)


class DisplayLink:
    """See the module docstring. Single-threaded: call everything from one thread."""

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        announcer: Announcer | None = None,
        announce_windows: set[int] | None = None,
        heartbeat_timeout: float = 3.0,
        fetch_catalogue: bool = True,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.model = HallModel(endpoints.hall)
        self.announcer = announcer
        self.announce_windows = announce_windows  # None: every window (the board)
        self.on_call = on_call
        self.calls_seen = 0
        self._snapshot_at = -1e9
        # (number, stream) of tickets that may be called soon: screens prepare their text
        self.upcoming: deque[tuple[str, str]] = deque(maxlen=500)
        curve = endpoints.curve()
        self._curve = curve
        self.client = HallClient(endpoints.router, curve=curve, timeout=1.0, retries=2, checked=True)
        self.subscriber = CloneSubscriber(
            endpoints.pub,
            self.client,
            endpoints.hall,
            on_snapshot=self._on_snapshot,
            on_event=self._on_event,
            curve=curve,
            heartbeat_timeout=heartbeat_timeout,
            backoff_max=2.0,
        )
        self.subscriber.on_connection(self._on_connection)
        self._catalogue_stop = threading.Event()
        self._catalogue_thread: threading.Thread | None = None
        if fetch_catalogue:
            self._catalogue_thread = threading.Thread(target=self._fetch_catalogue, daemon=True)
            self._catalogue_thread.start()

    # ------------------------------------------------------------------ driving
    def poll(self, timeout: float = 0.0) -> int:
        n = self.subscriber.poll_once(timeout)
        if self.announcer is not None:
            self.announcer.tz = self.model.tz  # hall.info may have named the hall's zone
        self._on_connection(self.subscriber.connected)
        return n

    def close(self) -> None:
        self._catalogue_stop.set()
        self.subscriber.close()
        self.client.close()
        if self._catalogue_thread is not None:
            self._catalogue_thread.join(5)

    # ---------------------------------------------------------------- callbacks
    def _on_snapshot(self, body: dict[str, Any]) -> None:
        self._snapshot_at = time.monotonic()
        self.model.hall = self.subscriber.hall
        missed = self.model.load_snapshot(body)
        for t in (body.get("state") or {}).get("waiting") or []:
            self.upcoming.append((t.get("number", ""), t.get("stream", "")))
        if self.announcer is not None:
            windows = [n for n in self.model.windows if self._announces(n)]
            self.announcer.prepare_windows(windows)
            for t in (body.get("state") or {}).get("waiting") or []:
                self.announcer.prepare_number(t.get("number", ""))
        for call in missed:
            self._call(call)

    def _on_event(self, event: dict[str, Any]) -> None:
        calls = self.model.apply(event)
        if event.get("type") in ("ticket.issued", "ticket.transferred"):
            d = event.get("data") or {}
            number = d.get("number", "")
            self.upcoming.append((number, d.get("stream") or self.model.stream_of(number, d.get("to_item") or "")))
            if self.announcer is not None:
                self.announcer.prepare_number(number)
        for call in calls:
            self._call(call)

    def _on_connection(self, connected: bool) -> None:
        # A snapshot just answered proves the server up before its first heartbeat comes.
        connected = connected or time.monotonic() - self._snapshot_at < self.subscriber.heartbeat_timeout
        if connected != self.model.connected:
            self.model.connected = connected
            self.model.version += 1

    def _announces(self, window: int) -> bool:
        return self.announce_windows is None or window in self.announce_windows

    def _call(self, call: Call) -> None:
        self.calls_seen += 1
        if self.on_call is not None:
            self.on_call(call)
        if self.announcer is not None and self._announces(call.window):
            self.announcer.announce(call)

    def _fetch_catalogue(self) -> None:
        """The catalogue (item names, groups) and the hall's configured name (``hall.info``),
        each asked until it comes."""
        delay = 0.5
        wanted = {"catalogue.get": self._catalogue_came, "hall.info": self.model.load_hall_info}
        with HallClient(self.endpoints.router, curve=self._curve, timeout=2.0, retries=1, checked=True) as client:
            while wanted and not self._catalogue_stop.is_set():
                for request, take in list(wanted.items()):
                    try:
                        take(client.request(request, {}))
                        del wanted[request]
                    except RequestFailed as exc:
                        log.info("%s not answered yet (%s); retrying", request, exc)
                if wanted:
                    self._catalogue_stop.wait(delay)
                    delay = min(delay * 2, 10)

    def _catalogue_came(self, body: dict[str, Any]) -> None:
        self.model.load_catalogue(body.get("catalogue") or {})
