"""The window agent's file (TOML), see ``config/window-agent.example.toml``:

    [agent]     window (required), name (the enrolled device, default pad-<window>), hall, var_dir
    [server]    router, pub, server_key, secret_key
    [devices.callpad] / [devices.evalpad]   as in a kiosk file (kind defaults to the table name)
    [printer]   target, profile, spool_dir, hold_s (optional: a window without a printer)

Relative paths resolve against the file's folder, like the kiosk's file. A ``public_url`` left
in ``[server]`` by an older file is ignored with a warning: the server gives every link a
receipt prints (``progress_url``), from the hall's public address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.config import (
    PUBLIC_URL_IGNORED,
    SIMULATED,
    ConfigError,
    DeviceConfig,
    parse_config,
    read_toml,
)

log = logging.getLogger(__name__)

PAD_KINDS = ("callpad", "evalpad")


@dataclass(frozen=True)
class ServerConfig:
    router: str
    pub: str
    server_key: Path
    secret_key: Path


@dataclass(frozen=True)
class PrinterConfig:
    target: str  # "simulated", a device path, tcp://host:port, serial:..., usb://...
    profile: str
    spool_dir: Path  # kept jobs survive a restart of the agent
    hold_s: float | None = None

    @property
    def simulated(self) -> bool:
        return self.target == SIMULATED


@dataclass(frozen=True)
class AgentConfig:
    window: int
    name: str
    hall: str | None
    var_dir: Path
    server: ServerConfig
    pads: dict[str, DeviceConfig]  # by kind: "callpad", "evalpad"
    printer: PrinterConfig | None
    path: Path | None = None


def load_agent_config(path: str | Path) -> AgentConfig:
    path = Path(path)
    return parse_agent_config(read_toml(path), base=path.resolve().parent, path=path)


def _table(data: dict[str, Any], name: str, where: str, *, required: bool = True) -> dict[str, Any]:
    table = data.get(name)
    if table is None and not required:
        return {}
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{name}] table is required")
    return table


def _path(value: object, base: Path, what: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{what} must be a path")
    p = Path(value)
    return p if p.is_absolute() else base / p


def parse_agent_config(data: dict[str, Any], *, base: Path, path: Path | None = None) -> AgentConfig:
    where = str(path) if path else "config"
    agent = _table(data, "agent", where)
    window = agent.get("window")
    if isinstance(window, str) and window.isdigit():
        window = int(window)
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ConfigError(f"{where}: [agent] window must be a window number, got {window!r}")
    name = str(agent.get("name") or f"pad-{window}")
    var_dir = _path(agent.get("var_dir", f"../var/{name}"), base, "[agent] var_dir")

    srv = _table(data, "server", where)
    for key in ("router", "pub", "server_key", "secret_key"):
        if not isinstance(srv.get(key), str) or not srv[key]:
            raise ConfigError(f"{where}: [server] {key} is required")
    if "public_url" in srv:
        log.warning("%s: %s", where, PUBLIC_URL_IGNORED)
    server = ServerConfig(
        router=srv["router"],
        pub=srv["pub"],
        server_key=_path(srv["server_key"], base, "[server] server_key"),
        secret_key=_path(srv["secret_key"], base, "[server] secret_key"),
    )

    pads = _pads(_table(data, "devices", where, required=False), window, where, base)
    return AgentConfig(
        window=window,
        name=name,
        hall=agent.get("hall"),
        var_dir=var_dir,
        server=server,
        pads=pads,
        printer=_printer(_table(data, "printer", where, required=False), var_dir, base, where),
        path=path,
    )


def _pads(table: dict[str, Any], window: int, where: str, base: Path) -> dict[str, DeviceConfig]:
    specs: dict[str, Any] = {}
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: [devices.{name}] must be a table")
        spec = {"kind": name, **spec}
        if spec["kind"] not in PAD_KINDS:
            raise ConfigError(f"{where}: [devices.{name}] a window has a callpad and an evalpad only")
        if spec["kind"] == "callpad":
            # The pad belongs to this window: a pad wired for another one is refused (BADWIN).
            spec.setdefault("window", str(window))
            if str(spec["window"]) != str(window):
                raise ConfigError(f"{where}: [devices.{name}] window differs from [agent] window {window}")
            spec["window"] = str(window)
        specs[name] = spec
    devices = parse_config({"devices": specs}, base=base).devices
    pads: dict[str, DeviceConfig] = {}
    for cfg in devices.values():
        if cfg.kind in pads:
            raise ConfigError(f"{where}: more than one {cfg.kind}")
        pads[cfg.kind] = cfg
    return pads


def _printer(table: dict[str, Any], var_dir: Path, base: Path, where: str) -> PrinterConfig | None:
    if not table:
        return None
    unknown = set(table) - {"target", "profile", "spool_dir", "hold_s"}
    if unknown:
        raise ConfigError(f"{where}: [printer] unknown key(s) {sorted(unknown)}")
    target = table.get("target")
    if not isinstance(target, str) or not target:
        raise ConfigError(f'{where}: [printer] target is required (e.g. "simulated", tcp://..., /dev/...)')
    hold = table.get("hold_s")
    spool = table.get("spool_dir")
    return PrinterConfig(
        target=target,
        profile=str(table.get("profile", "generic-80")),
        spool_dir=_path(spool, base, "[printer] spool_dir") if spool else var_dir / "spool" / "printer",
        hold_s=float(hold) if hold is not None else None,
    )
