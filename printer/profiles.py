"""Printer profiles: paper width, Chinese encoding and capabilities, read from TOML."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

BUILTIN_PROFILES = Path(__file__).with_name("profiles.toml")
ENCODINGS = ("gb18030", "gbk", "gb2312")
DOTS_PER_MM = 8  # 203 dpi, the resolution of practically every thermal receipt printer
ANK_DOTS = 12  # font A: a half-width character is 12 x 24 dots, a Chinese one 24 x 24


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Profile:
    name: str
    paper_mm: int
    dots: int
    chars: int
    encoding: str
    native_qr: bool
    qr_module: int
    process_id: bool = False
    clear_buffer: bool = False
    cut: Literal["full", "partial"] = "partial"
    description: str = ""

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ProfileError(f"{self.name}: encoding must be one of {ENCODINGS}, not {self.encoding!r}")
        if self.chars * ANK_DOTS > self.dots:
            raise ProfileError(
                f"{self.name}: {self.chars} characters of 12 dots do not fit in {self.dots} dots"
            )
        if not 1 <= self.qr_module <= 16:
            raise ProfileError(f"{self.name}: qr_module must be 1..16")
        if self.cut not in ("full", "partial"):
            raise ProfileError(f"{self.name}: cut must be 'full' or 'partial'")

    @property
    def paper_dots(self) -> int:
        """Width of the paper itself in dots (the printable area is narrower)."""
        return self.paper_mm * DOTS_PER_MM


def _parse(data: dict, source: str) -> dict[str, Profile]:
    out: dict[str, Profile] = {}
    for name, fields in data.get("profiles", {}).items():
        try:
            out[name] = Profile(name=name, **fields)
        except TypeError as exc:  # unknown or missing keys
            raise ProfileError(f"{source}: profile {name}: {exc}") from exc
    return out


@cache
def _load(extra: str | None) -> dict[str, Profile]:
    profiles = _parse(tomllib.loads(BUILTIN_PROFILES.read_text("utf-8")), str(BUILTIN_PROFILES))
    if extra:
        profiles.update(_parse(tomllib.loads(Path(extra).read_text("utf-8")), extra))
    return profiles


def load_profiles(extra: str | os.PathLike[str] | None = None) -> dict[str, Profile]:
    """Built-in profiles, overridden by ``extra`` or by the file named in HALL_PRINTER_PROFILES."""
    path = extra if extra is not None else os.environ.get("HALL_PRINTER_PROFILES")
    return dict(_load(str(path) if path else None))


def get_profile(profile: str | Profile = "generic-80") -> Profile:
    if isinstance(profile, Profile):
        return profile
    profiles = load_profiles()
    try:
        return profiles[profile]
    except KeyError:
        raise ProfileError(
            f"unknown printer profile {profile!r}; known: {', '.join(sorted(profiles))}"
        ) from None
