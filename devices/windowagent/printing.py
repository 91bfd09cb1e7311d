"""The window's ESC/POS printer with its persistent print queue, as a managed device.

The kiosk's printer too: :class:`~printer.ticketprinter.TicketPrinter` (printer, spooler, status
watch, health)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.config import ConfigError
from devices.windowagent.config import PrinterConfig
from printer.device import EscPosPrinter
from printer.spooler import PrintJob
from printer.ticketprinter import TicketPrinter
from printer.transports import SerialTransport, open_transport


def build_printer(
    cfg: PrinterConfig, sim_folder: Callable[[], Path], *, on_job_done: Callable[[PrintJob], None] | None = None
) -> TicketPrinter:
    simulator = None
    transport: Any
    if cfg.simulated:
        from printer.simulator import PrinterSimulator

        simulator = PrinterSimulator(cfg.profile, cfg.spool_dir.parent / "printed")
        transport = SerialTransport(simulator.start_pty(sim_folder() / "printer"), 115200)
    else:
        try:
            transport = open_transport(cfg.target)
        except ValueError as exc:
            raise ConfigError(f"[printer] target: {exc}") from exc
    return TicketPrinter(
        EscPosPrinter(transport, cfg.profile),
        hold=cfg.hold_s,
        on_job_done=on_job_done,
        simulator=simulator,
        spool_dir=cfg.spool_dir,
    )
