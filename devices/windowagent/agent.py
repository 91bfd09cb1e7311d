"""The window agent process: the window's pads and printer, wired to the queue server.

Threads: each pad's reader thread runs its key handler with a HallClient of its own (a
client belongs to one thread); the clone subscriber (hall events: a completed service
prompts the evaluation pad) and the health reporter have theirs too.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

from devices.config import ConfigError
from devices.factory import SimulatedDevice, build_device
from devices.health import DeviceManager
from devices.keypad import CallCommand, CallPad, Evaluation, EvaluationKeypad, KeypadEvent, Refused
from devices.windowagent.actions import WindowActions
from devices.windowagent.config import AgentConfig
from devices.windowagent.health import HealthReporter
from devices.windowagent.printing import build_printer
from devices.windowagent.printjobs import PrintDesk
from devices.windowagent.rating import RatingDesk
from printer.document import Document
from printer.spooler import PrintJob
from protocol.client import HallClient
from protocol.keys import CurveClientKeys
from protocol.subscriber import CloneSubscriber

log = logging.getLogger(__name__)


class WindowAgent:
    def __init__(self, config: AgentConfig, *, timeout: float = 2.5) -> None:
        self.config = config
        self.window = config.window
        self._keys = CurveClientKeys.from_files(config.server.server_key, config.server.secret_key)
        self._timeout = timeout
        self._clients: list[HallClient] = []
        self.actions = WindowActions(self.window, self._client().request)
        self.ratings = RatingDesk(self.window, self._client().request)
        self.health = HealthReporter(self._client().request)
        self.prints = PrintDesk(self.window, self._client().request)
        self.manager = DeviceManager(on_change=self.health.changed)
        self.callpad: CallPad | None = None
        self._sim_dir: Path | None = None
        self._stopped = threading.Event()
        self._build_devices()
        self.printer = (
            build_printer(config.printer, self._sim_folder, on_job_done=self.prints.job_done)
            if config.printer
            else None
        )
        if self.printer is not None:
            self.prints.attach(self.printer)  # before its spooler starts: jobs kept last time
            self.manager.add(self.printer)
        self.subscriber = CloneSubscriber(
            config.server.pub,
            self._client(),
            config.hall,
            # (Re)synced: the console's print jobs asked for while the agent was away.
            on_snapshot=self.prints.on_snapshot,
            on_event=self._on_event,
            curve=self._keys,
        )

    def _client(self) -> HallClient:
        client = HallClient(self.config.server.router, curve=self._keys, timeout=self._timeout, checked=True)
        self._clients.append(client)
        return client

    def _sim_folder(self) -> Path:
        if self._sim_dir is None:
            self._sim_dir = Path(tempfile.mkdtemp(prefix=f"hall-{self.config.name}-"))
        return self._sim_dir

    def _build_devices(self) -> None:
        for kind, cfg in self.config.pads.items():
            simdir = self._sim_folder() if cfg.simulated else None
            dev = build_device(cfg, simulator_dir=simdir, handler=self._on_key)
            inner: Any = dev.device if isinstance(dev, SimulatedDevice) else dev
            if kind == "evalpad":
                self.ratings.pad = inner
            else:
                self.callpad = inner
            self.manager.add(dev)

    def _on_event(self, event: dict[str, Any]) -> None:
        self.ratings.on_event(event)
        self.prints.on_event(event)

    def _on_key(self, event: KeypadEvent) -> str | None:
        if isinstance(event, CallCommand):
            return self.actions.handle(event)
        if isinstance(event, Evaluation):
            return self.ratings.handle(event)
        raise Refused("BADVERB")

    @property
    def evalpad(self) -> EvaluationKeypad | None:
        return self.ratings.pad

    # -- printing --------------------------------------------------------------------------

    def print_document(self, doc: Document | bytes, *, title: str = "") -> PrintJob:
        """Queue a notice or receipt on the window's printer. A job the printer cannot take now
        (paper out, cover open) is kept on disk and printed when it can: nothing is lost.
        The console's slips come through :class:`PrintDesk` (``window.print``)."""
        if self.printer is None:
            raise ConfigError("本窗口未配置打印机 / this window has no [printer]")
        return self.printer.spooler.submit(doc, title=title)

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        self.health.start()
        self.prints.start()
        self.subscriber.start()
        self.manager.start()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.manager.stop()  # pads and printer (kept print jobs stay in the spool folder)
        self.subscriber.stop()
        self.prints.stop()
        self.health.stop()
        for client in self._clients:
            client.close()
        if self._sim_dir is not None:
            with contextlib.suppress(OSError):
                self._sim_dir.rmdir()

    def wait(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)

    def __enter__(self) -> WindowAgent:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["WindowAgent"]
