"""Where a hall keeps its files: the database (by default), keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_VAR = Path("var")


@dataclass(frozen=True)
class Paths:
    var: Path = DEFAULT_VAR

    @property
    def keys(self) -> Path:
        return self.var / "keys"

    @property
    def data_key(self) -> Path:
        return self.keys / "data.key"

    @property
    def server_secret(self) -> Path:
        return self.keys / "server.key_secret"

    @property
    def server_public(self) -> Path:
        return self.keys / "server.key"

    @property
    def devices(self) -> Path:
        """Device key pairs ``<name>.key`` / ``<name>.key_secret``: the path kiosks, displays
        and the demo have always read."""
        return self.keys / "devices"

    def hall_devices(self, hall: str) -> Path:
        """Key pairs of one hall whose names are taken in ``devices`` by another hall's device
        of the same name (one var folder serving several halls): its files never overwrite
        theirs."""
        return self.devices / hall
