"""The kiosk's configuration file (TOML), all of it: the kiosk, its server, its printers and
its devices. ``config/kiosk.example.toml`` shows every key.

    [kiosk]
    id = "kiosk-1"            # the enrolled device name (its CURVE key pair has this name)
    hall = "H01"              # hall code, as config/hall.yaml's hall.code
    idle_s = 60               # no touch for this long: the countdown starts
    countdown_s = 10          # ... and then the kiosk goes back to its start screen
    mode = "full"             # full | print-station
    lang = "zh"               # zh | en: the language a visitor session starts in
    state_dir = "../var/kiosk-1"   # cache folder (guides, progress, saved certificates)

    [server]
    router = "tcp://127.0.0.1:5570"
    pub = "tcp://127.0.0.1:5571"
    server_key = "../var/demo/keys/server.key"                  # the server's public key
    secret_key = "../var/demo/keys/devices/kiosk-1.key_secret"  # this kiosk's secret key

    [printer]                 # the ticket printer (ESC/POS)
    target = "simulated"      # tcp://HOST:PORT | /dev/ttyUSB0 | serial:/dev/ttyS0?baudrate=9600 | usb://VID:PID | simulated
    profile = "generic-80"    # a profile of printer/profiles.toml
    ack_wait_s = 3.0          # how long print_document waits for "printed" before answering "kept"
    # hold_s = 600            # give a job back after this long without paper (default: keep it)
    # spool_dir = "../var/kiosk-1/spool/printer"   # kept jobs on disk (default STATE_DIR/spool/printer)

    [printer.a4]              # certificates (电子证照自助打印)
    target = "folder:../var/kiosk-1/certificates"   # or "cups:QUEUE"
    # server = "127.0.0.1:631"   # CUPS server, for cups:QUEUE
    # preview = false            # also render a PNG preview (needs pdftoppm)

    [devices.idcard]          # see devices/config.py
    ...

Relative paths (``state_dir``, ``server_key``, ``secret_key``, a4 ``folder:``, a printer's
serial path) resolve against the folder of the config file. Every error names the key at
fault. Unknown keys in ``[kiosk]``, ``[server]`` and ``[printer]`` are errors: a typo should
not silently fall back to a default. The one exception is ``[server] public_url``, which
older files have: it is ignored with a warning, since the server now gives every URL the
kiosk prints (``page_url``, ``progress_url``, ``verification_url``).
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices import config as device_config
from devices.config import PUBLIC_URL_IGNORED, SIMULATED, ConfigError

log = logging.getLogger(__name__)

MODES = ("full", "print-station")
LANGS = ("zh", "en")
A4_KINDS = ("cups", "folder")

__all__ = [
    "A4Config",
    "ConfigError",
    "KioskSettings",
    "PrinterConfig",
    "ServerConfig",
    "load_config",
    "parse_config",
    "simulated_config",
]


@dataclass(frozen=True)
class ServerConfig:
    router: str = "tcp://127.0.0.1:5570"
    pub: str = "tcp://127.0.0.1:5571"
    server_key: Path | None = None
    secret_key: Path | None = None

    def curve_keys(self) -> Any:
        """The CURVE keys (``protocol.keys.CurveClientKeys``) from the two key files."""
        from protocol.keys import CurveClientKeys

        for key in ("server_key", "secret_key"):
            path: Path | None = getattr(self, key)
            if path is None:
                raise ConfigError(f"[server] {key} is not set: the kiosk needs it to talk to the server")
            if not path.is_file():
                raise ConfigError(f"[server] {key}: no such file {path}")
        assert self.server_key is not None and self.secret_key is not None
        return CurveClientKeys.from_files(self.server_key, self.secret_key)


@dataclass(frozen=True)
class A4Config:
    """Where certificates go: a CUPS queue (the PDF is also kept under ``folder``), or a
    folder only."""

    kind: str  # "cups" | "folder"
    folder: Path  # where PDFs are saved (always: the record of what was printed)
    queue: str | None = None
    server: str | None = None
    preview: bool = False


@dataclass(frozen=True)
class PrinterConfig:
    target: str  # "simulated" or a printer.transports URL
    profile: str = "generic-80"
    ack_wait_s: float = 3.0
    hold_s: float | None = None
    a4: A4Config | None = None
    # Where queued slips are kept on disk until printed: a kiosk restarted (or its power cut)
    # with slips waiting for paper prints them when it is back. None: in memory only.
    spool_dir: Path | None = None

    @property
    def simulated(self) -> bool:
        return self.target == SIMULATED


@dataclass(frozen=True)
class KioskSettings:
    kiosk_id: str
    hall: str
    state_dir: Path
    idle_s: float = 60.0
    countdown_s: float = 10.0
    mode: str = "full"
    lang: str = "zh"
    server: ServerConfig = field(default_factory=ServerConfig)
    printer: PrinterConfig | None = None
    devices: device_config.KioskConfig | None = None
    path: Path | None = None

    @property
    def print_station(self) -> bool:
        return self.mode == "print-station"

    @property
    def simulated(self) -> bool:
        """Any device or the printer runs on a simulator."""
        devs = self.devices.devices.values() if self.devices else ()
        return any(d.simulated for d in devs) or bool(self.printer and self.printer.simulated)


# --- loading ------------------------------------------------------------------------------------


def load_config(path: str | os.PathLike[str]) -> KioskSettings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 / cannot read {path}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件格式错误 / {path} is not valid TOML: {exc}") from exc
    return parse_config(data, path=path)


def parse_config(
    data: dict[str, Any], *, path: Path | None = None, base: Path | None = None
) -> KioskSettings:
    """``base``: the folder relative paths resolve against (default: the file's folder, else
    the current directory)."""
    where = str(path) if path else "config"
    if base is None:
        base = path.resolve().parent if path is not None else Path.cwd()
    known = {"kiosk", "server", "printer", "devices"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown table(s) {unknown}; a kiosk file has {sorted(known)}")
    r = _Reader(where, base)
    kiosk = r.table(data, "kiosk", required=True)
    r.no_unknown(kiosk, "kiosk", {"id", "hall", "idle_s", "countdown_s", "mode", "lang", "state_dir"})
    kiosk_id = r.text(kiosk, "kiosk", "id", required=True)
    hall = r.text(kiosk, "kiosk", "hall", required=True)
    idle_s = r.seconds(kiosk, "kiosk", "idle_s", 60.0)
    countdown_s = r.seconds(kiosk, "kiosk", "countdown_s", 10.0)
    mode = r.choice(kiosk, "kiosk", "mode", MODES, "full")
    lang = r.choice(kiosk, "kiosk", "lang", LANGS, "zh")
    state_dir = r.path(kiosk, "kiosk", "state_dir") or _default_state_dir(kiosk_id)

    server_t = r.table(data, "server")
    r.no_unknown(server_t, "server", {"router", "pub", "server_key", "secret_key", "public_url"})
    if "public_url" in server_t:
        log.warning("%s: %s", where, PUBLIC_URL_IGNORED)
    server = ServerConfig(
        router=r.endpoint(server_t, "server", "router", ServerConfig.router),
        pub=r.endpoint(server_t, "server", "pub", ServerConfig.pub),
        server_key=r.path(server_t, "server", "server_key"),
        secret_key=r.path(server_t, "server", "secret_key"),
    )

    printer = _printer(r, data, state_dir) if "printer" in data else None

    try:
        devices = device_config.parse_config(
            {"kiosk": {"id": kiosk_id, "hall": hall}, "devices": data.get("devices", {})},
            path=path,
            base=base,
        )
    except ConfigError as exc:
        raise ConfigError(f"[devices] {exc}") from exc
    return KioskSettings(
        kiosk_id=kiosk_id,
        hall=hall,
        state_dir=state_dir,
        idle_s=idle_s,
        countdown_s=countdown_s,
        mode=mode,
        lang=lang,
        server=server,
        printer=printer,
        devices=devices,
        path=path,
    )


def _default_state_dir(kiosk_id: str) -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "hall-kiosk" / kiosk_id


def _printer(r: _Reader, data: dict[str, Any], state_dir: Path) -> PrinterConfig:
    t = r.table(data, "printer")
    r.no_unknown(t, "printer", {"target", "profile", "ack_wait_s", "hold_s", "a4", "spool_dir"})
    target = r.text(t, "printer", "target", required=True)
    if target != SIMULATED:
        if "://" not in target and not target.startswith(("serial:", "/")):
            target = str((r.base / target).resolve())  # a serial path relative to the file
        from printer.transports import open_transport

        try:
            open_transport(target)  # builds the transport object only: no I/O here
        except (ValueError, ImportError) as exc:
            raise ConfigError(
                f'{r.where}: [printer] target: {exc}; use tcp://HOST:PORT, a serial path, usb://VID:PID, or "{SIMULATED}"'
            ) from exc
    profile = r.text(t, "printer", "profile") or "generic-80"
    from printer.profiles import ProfileError, get_profile
    from printer.spooler import spool_folder

    try:
        get_profile(profile)
    except ProfileError as exc:
        raise ConfigError(f"{r.where}: [printer] profile: {exc}") from exc
    ack_wait = r.seconds(t, "printer", "ack_wait_s", 3.0)
    hold = r.seconds(t, "printer", "hold_s", None, allow_zero=True)
    a4 = None
    if "a4" in t:
        a4t = r.table(t, "a4", label="printer.a4")
        r.no_unknown(a4t, "printer.a4", {"target", "server", "preview"})
        spec = r.text(a4t, "printer.a4", "target", required=True)
        kind, _, rest = spec.partition(":")
        if kind not in A4_KINDS or not rest:
            raise ConfigError(
                f'{r.where}: [printer.a4] target must be "cups:QUEUE" or "folder:PATH", got {spec!r}'
            )
        preview = a4t.get("preview", False)
        if not isinstance(preview, bool):
            raise ConfigError(f"{r.where}: [printer.a4] preview must be true or false, got {preview!r}")
        server = r.text(a4t, "printer.a4", "server") or None
        if kind == "folder":
            a4 = A4Config("folder", folder=r.resolve(rest), preview=preview)
        else:
            a4 = A4Config(
                "cups", folder=state_dir / "certificates", queue=rest, server=server, preview=preview
            )
    spool_dir = r.path(t, "printer", "spool_dir") or spool_folder(state_dir, "printer")
    return PrinterConfig(
        target=target, profile=profile, ack_wait_s=ack_wait or 3.0, hold_s=hold, a4=a4, spool_dir=spool_dir
    )


class _Reader:
    """Typed reads of one table's keys, each error naming ``[table] key``."""

    def __init__(self, where: str, base: Path) -> None:
        self.where = where
        self.base = base

    def fail(self, table: str, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: [{table}] {key} {message}")

    def table(
        self, data: dict[str, Any], name: str, *, required: bool = False, label: str | None = None
    ) -> dict[str, Any]:
        label = label or name
        if name not in data:
            if required:
                raise ConfigError(f"{self.where}: the [{label}] table is missing")
            return {}
        value = data[name]
        if not isinstance(value, dict):
            raise ConfigError(f"{self.where}: [{label}] must be a table, got {value!r}")
        return value

    def no_unknown(self, t: dict[str, Any], table: str, allowed: set[str]) -> None:
        unknown = sorted(set(t) - allowed)
        if unknown:
            raise ConfigError(
                f"{self.where}: [{table}] unknown key(s) {unknown}; known keys: {sorted(allowed)}"
            )

    def text(self, t: dict[str, Any], table: str, key: str, *, required: bool = False) -> str:
        if key not in t:
            if required:
                raise self.fail(table, key, "is required")
            return ""
        value = t[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(table, key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def seconds(
        self, t: dict[str, Any], table: str, key: str, default: float | None, *, allow_zero: bool = False
    ) -> float | None:
        if key not in t:
            return default
        value = t[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            or (value == 0 and not allow_zero)
        ):
            low = "0 or more" if allow_zero else "more than 0"
            raise self.fail(table, key, f"must be a number of seconds, {low}, got {value!r}")
        return float(value)

    def choice(self, t: dict[str, Any], table: str, key: str, choices: tuple[str, ...], default: str) -> str:
        value = t.get(key, default)
        if value not in choices:
            raise self.fail(table, key, f"must be one of {', '.join(choices)}, got {value!r}")
        return str(value)

    def endpoint(self, t: dict[str, Any], table: str, key: str, default: str) -> str:
        value = self.text(t, table, key) or default
        if not value.startswith(("tcp://", "ipc://", "inproc://")):
            raise self.fail(
                table, key, f"must be a ZeroMQ endpoint such as tcp://127.0.0.1:5570, got {value!r}"
            )
        return value

    def resolve(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base / p).resolve()

    def path(self, t: dict[str, Any], table: str, key: str) -> Path | None:
        value = self.text(t, table, key)
        return self.resolve(value) if value else None


# --- a fully simulated kiosk (tests, demo) ------------------------------------------------------


def simulated_config(
    state_dir: str | os.PathLike[str],
    *,
    kiosk_id: str = "kiosk-1",
    hall: str = "H01",
    camera_scene: str = "page",
    printer_profile: str = "generic-80",
    extra: dict[str, Any] | None = None,
) -> KioskSettings:
    """Settings for a kiosk whose every device is a simulator: an ID card reader, a scanner,
    a synthetic camera, a ticket printer, and certificates saved under ``state_dir``.
    ``extra`` is merged into the TOML-shaped data (table by table) before parsing."""
    state = Path(state_dir)
    data: dict[str, Any] = {
        "kiosk": {"id": kiosk_id, "hall": hall, "state_dir": str(state)},
        "server": {},
        "printer": {
            "target": SIMULATED,
            "profile": printer_profile,
            "a4": {"target": f"folder:{state / 'certificates'}"},
        },
        "devices": {
            "idcard": {"kind": "idcard", "port": SIMULATED, "poll_interval_s": 0.1, "timeout_s": 0.5},
            "scanner": {"kind": "scanner", "port": SIMULATED},
            "camera": {"kind": "camera", "source": f"synthetic:{camera_scene}"},
        },
    }
    for table, values in (extra or {}).items():
        if isinstance(values, dict) and isinstance(data.get(table), dict):
            data[table] = {**data[table], **values}
        else:
            data[table] = values
    return parse_config(data, base=state)
