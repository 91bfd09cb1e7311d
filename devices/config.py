"""One configuration file per kiosk naming its devices (TOML).

    [kiosk]
    id = "kiosk-01"

    [devices.idcard]          # the table name is the device's name
    kind = "idcard"           # idcard | scanner | evalpad | callpad | camera
    port = "/dev/serial/by-id/usb-XXXX-if00-port0"   # or "simulated"
    baud = 115200             # optional: each kind has its default

    [devices.camera]
    kind = "camera"
    source = "device:0"       # device:N | file:PATH | folder:PATH | synthetic[:SCENE]

Any other key of a device table is an option of that kind (``keymap``, ``window``,
``idle_gap_ms``, ``heartbeat_s``, ...), checked when the device is built. See
``config/kiosk.example.toml``. A simulated reader's ``cards`` (JSON files), when relative,
are found from the config file's folder.

The same file has the kiosk app's own tables (``[server]``, ``[printer]``, more keys of
``[kiosk]``): this module reads only ``[kiosk]`` id/hall and ``[devices]`` and leaves the rest
to ``kiosk/config.py``, so ``python -m devices check`` works on a whole kiosk file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIMULATED = "simulated"
DEFAULT_BAUD = {"idcard": 115200, "scanner": 9600, "evalpad": 9600, "callpad": 9600}
KINDS = (*DEFAULT_BAUD, "camera")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
#: Said when an older kiosk or window-agent file still sets ``[server] public_url``: the file
#: still loads; the key is ignored, since the server gives every link a device prints.
PUBLIC_URL_IGNORED = (
    "[server] public_url 已不再使用并被忽略：服务器给出所有链接（大厅的公开地址在 config/hall.yaml 的 public.url 设置），"
    "请从文件中删除此项 / [server] public_url is ignored: the server now gives every link (the hall's public "
    "address is public.url in config/hall.yaml); remove it from the file"
)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class DeviceConfig:
    name: str
    kind: str
    port: str | None = None
    baud: int | None = None
    source: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        return self.port == SIMULATED or (self.source or "").startswith("synthetic")


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str
    devices: dict[str, DeviceConfig]
    hall: str | None = None
    path: Path | None = None


def read_toml(path: Path) -> dict[str, Any]:
    """A device config file's tables, or a ConfigError saying in both languages why not."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 / cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件格式错误 / {path} is not valid TOML: {exc}") from exc


def load_config(path: str | Path) -> KioskConfig:
    path = Path(path)
    return parse_config(read_toml(path), path=path)


def parse_config(data: dict[str, Any], *, path: Path | None = None, base: Path | None = None) -> KioskConfig:
    """``base``: where relative paths start (default: the file's folder, else the current one)."""
    where = str(path) if path else "config"
    kiosk = data.get("kiosk", {})
    if not isinstance(kiosk, dict):
        raise ConfigError(f"{where}: [kiosk] must be a table")
    devices_table = data.get("devices", {})
    if not isinstance(devices_table, dict):
        raise ConfigError(f"{where}: [devices] must be a table")
    if base is None and path is not None:
        base = path.resolve().parent
    devices = {name: _device(name, spec, where, base) for name, spec in devices_table.items()}
    return KioskConfig(
        kiosk_id=str(kiosk.get("id", "kiosk")),
        hall=kiosk.get("hall"),
        devices=devices,
        path=path,
    )


def _device(name: str, spec: Any, where: str, base: Path | None = None) -> DeviceConfig:
    ctx = f"{where}: device {name!r}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{ctx} must be a table")
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind not in KINDS:
        raise ConfigError(f"{ctx}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "camera":
        source = spec.pop("source", None)
        if not isinstance(source, str | int) or source == "":
            raise ConfigError(f"{ctx}: camera needs source = device:N | file:PATH | folder:PATH | synthetic")
        for key in ("port", "baud"):
            if key in spec:
                raise ConfigError(f"{ctx}: a camera has a source, not a {key}")
        return DeviceConfig(name=name, kind=kind, source=str(source), options=spec)
    cards = spec.get("cards")
    if kind == "idcard" and base is not None and isinstance(cards, list):
        # A simulated reader's card files, like every relative path of the file: from its folder.
        spec["cards"] = [
            str(base / c) if isinstance(c, str) and not Path(c).is_absolute() else c for c in cards
        ]
    port = spec.pop("port", None)
    if not isinstance(port, str) or not port:
        raise ConfigError(f'{ctx}: port is required (a path such as /dev/ttyUSB0, or "{SIMULATED}")')
    baud = spec.pop("baud", DEFAULT_BAUD[kind])
    if not isinstance(baud, int) or baud not in BAUD_RATES:
        raise ConfigError(f"{ctx}: baud must be one of {BAUD_RATES}, got {baud!r}")
    return DeviceConfig(name=name, kind=kind, port=port, baud=baud, options=spec)
