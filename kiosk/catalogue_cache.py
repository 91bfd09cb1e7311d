"""The kiosk's cached service catalogue (事项目录), readable while the server is down.

On start the kiosk loads the last catalogue it saved in its state folder, so the guide
screens work before (or without) the first answer of the server. :meth:`CatalogueCache.refresh`
asks ``catalogue.get`` with ``have_version``; the server answers ``unchanged`` when the kiosk
is up to date (no document sent), otherwise the new document, which is saved atomically (temp
file + rename: a power cut leaves the old file or the new one, never half of one).

A cache file that is corrupt, partial or of another shape is logged and ignored: the kiosk
then has no catalogue until the server answers, which is better than guides from garbage. A
server that cannot be reached leaves the cached catalogue in place and marks it ``stale``, so
the screens can say "information may be out of date" instead of hiding it.

The kiosk may not import the server's pydantic models (DESIGN.md: kiosk imports protocol and
the device packages only), so the screens get small frozen views of the JSON document here.
A refresh swaps one immutable snapshot, so a UI thread reading while another thread refreshes
sees the old catalogue or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from protocol.client import RequestFailed
from protocol.itemsearch import SearchIndex

log = logging.getLogger(__name__)

CACHE_FILE = "catalogue.json"
"""The file name in the kiosk's state folder."""
FORMAT = 1
"""Version of the cache file's own layout (not the catalogue's version)."""


class Requester(Protocol):
    """What the cache needs of :class:`protocol.client.HallClient`."""

    def request(self, type: str, body: dict[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Label:
    """A bilingual text of the catalogue."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en"; anything starting with "en" gives English)."""
        return self.en if lang.lower().startswith("en") else self.zh

    @staticmethod
    def of(value: Any, fallback: str = "") -> Label:
        """A label from ``{"zh": ..., "en": ...}``; a missing half falls back to the other."""
        if not isinstance(value, Mapping):
            return Label(fallback, fallback)
        zh, en = str(value.get("zh") or ""), str(value.get("en") or "")
        return Label(zh or en or fallback, en or zh or fallback)


@dataclass(frozen=True, slots=True)
class ItemView:
    """A service item as the take-a-number and guide lists show it."""

    code: str
    name: Label
    stream: str
    theme: str
    self_service: bool
    wait_target_min: int | None


@dataclass(frozen=True, slots=True)
class ThemeGroup:
    """The items of one theme (主题) of a stream, with the theme's label, in catalogue order."""

    theme: str
    label: Label
    items: tuple[ItemView, ...]


@dataclass(frozen=True, slots=True)
class CertificateSubstitute:
    """A material the visitor need not bring: the hall checks this e-certificate (电子证照)."""

    material: str
    material_name: Label
    certificate: str
    certificate_name: Label


class Refresh(StrEnum):
    """What a refresh did."""

    UPDATED = "updated"  # a new catalogue was received (and saved)
    UNCHANGED = "unchanged"  # the server has the version the kiosk holds
    STALE = "stale"  # the server could not be asked or answered nonsense: the cache stays


class BadCatalogue(ValueError):
    """A document that is not a catalogue the kiosk can show."""


def _check_document(doc: Any) -> dict[str, Any]:
    """``doc`` if it has the shape the screens rely on; else BadCatalogue saying what is wrong."""
    if not isinstance(doc, dict):
        raise BadCatalogue("the catalogue is not an object")
    items = doc.get("items")
    if not isinstance(items, list):
        raise BadCatalogue("the catalogue has no list of items")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise BadCatalogue(f"item [{index}] has no code")
        if not isinstance(item.get("name"), dict):
            raise BadCatalogue(f"item {item['code']} has no name")
    if not isinstance(doc.get("themes", {}), dict):
        raise BadCatalogue("themes is not an object")
    if not isinstance(doc.get("e_certificate_types", []), list):
        raise BadCatalogue("e_certificate_types is not a list")
    return doc


def _item_view(item: Mapping[str, Any]) -> ItemView:
    flags = item.get("flags") if isinstance(item.get("flags"), Mapping) else {}
    wait = item.get("wait_target_min")
    return ItemView(
        code=item["code"],
        name=Label.of(item.get("name"), item["code"]),
        stream=str(item.get("stream", "")),
        theme=str(item.get("theme", "")),
        # only an explicit true allows self-service: a kiosk must not offer what it may not do.
        # An enterprise applies by its credit code and registered name, which a kiosk has no
        # card to read from: only an item founding the enterprise (the founder's ID card) is
        # offered here.
        self_service=flags.get("self_service") is True
        and (item.get("stream") != "enterprise" or flags.get("new_entity") is True),
        wait_target_min=wait if isinstance(wait, int) else None,
    )


@dataclass(frozen=True)
class _Snapshot:
    version: int
    document: dict[str, Any]
    items: dict[str, ItemView] = field(init=False)
    raw_items: dict[str, dict[str, Any]] = field(init=False)
    themes: dict[str, Label] = field(init=False)
    certificates: dict[str, Label] = field(init=False)

    def __post_init__(self) -> None:
        raw = {item["code"]: item for item in self.document["items"]}
        set_ = object.__setattr__  # frozen: derived maps are computed once, here
        set_(self, "raw_items", raw)
        set_(self, "items", {code: _item_view(item) for code, item in raw.items()})
        set_(self, "themes", {k: Label.of(v, k) for k, v in (self.document.get("themes") or {}).items()})
        set_(self, "certificates", {
            c["code"]: Label.of(c.get("name"), c["code"])
            for c in self.document.get("e_certificate_types") or []
            if isinstance(c, Mapping) and isinstance(c.get("code"), str)
        })


class CatalogueCache:
    """The catalogue a kiosk shows: from its state folder at start, refreshed from the server."""

    def __init__(self, state_dir: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(state_dir) / CACHE_FILE
        self._clock = clock
        self._snap: _Snapshot | None = None
        self._index: tuple[_Snapshot, SearchIndex] | None = None
        self.stale = True
        """True until the server confirmed or sent the catalogue; again after a failed refresh."""
        self.checked_at: float | None = None
        """Wall-clock time of the last answer of the server (None: never, since start)."""
        self.saved_at: float | None = None
        """When the catalogue held was saved (from the file at start, or at the last update)."""

    # ------------------------------------------------------------- lifecycle
    def load(self) -> bool:
        """Load the cache file; False (logged) when there is none or it cannot be used."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            log.info("no cached catalogue at %s yet", self.path)
            return False
        except OSError as exc:
            log.warning("cannot read the cached catalogue %s: %s", self.path, exc)
            return False
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise BadCatalogue(f"not a catalogue cache of format {FORMAT}")
            version = data.get("version")
            if not isinstance(version, int) or isinstance(version, bool):
                raise BadCatalogue("no version")
            snap = _Snapshot(version, _check_document(data.get("catalogue")))
        except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError and BadCatalogue are ValueErrors
            log.warning("ignoring the cached catalogue %s: %s", self.path, exc)
            return False
        self._snap = snap
        saved = data.get("saved_at")
        self.saved_at = float(saved) if isinstance(saved, int | float) else None
        self.stale = True  # nobody has confirmed it yet
        log.info("cached catalogue version %d loaded (%d items)", version, len(snap.items))
        return True

    def refresh(self, client: Requester) -> Refresh:
        """Ask the server for a newer catalogue; never raises for a server problem."""
        body: dict[str, Any] = {} if self._snap is None else {"have_version": self._snap.version}
        try:
            answer = client.request("catalogue.get", body)
        except RequestFailed as exc:  # ServerUnavailable included
            log.info("catalogue not refreshed (%s); keeping version %s", exc, self.version)
            self.stale = True
            return Refresh.STALE
        try:
            version = answer["version"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise BadCatalogue("no version in the answer")
            if answer.get("unchanged") is True:
                if self._snap is None or self._snap.version != version:
                    raise BadCatalogue(f"unchanged, but the kiosk holds version {self.version}")
                self.stale, self.checked_at = False, self._clock()
                return Refresh.UNCHANGED
            snap = _Snapshot(version, _check_document(answer.get("catalogue")))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the server's catalogue answer cannot be used: %s", exc)
            self.stale = True
            return Refresh.STALE
        self._snap = snap
        self.stale, self.checked_at = False, self._clock()
        self._save(snap)
        log.info("catalogue version %d received (%d items)", version, len(snap.items))
        return Refresh.UPDATED

    def _save(self, snap: _Snapshot) -> None:
        """Write the cache file atomically; a failure (disk full) is logged, the catalogue kept."""
        saved_at = self._clock()
        data = {"format": FORMAT, "version": snap.version, "saved_at": saved_at, "catalogue": snap.document}
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())  # the data is on disk before the rename makes it the cache
            os.replace(tmp, self.path)
            tmp = None
            self.saved_at = saved_at
        except OSError as exc:
            log.warning("cannot save the catalogue to %s: %s", self.path, exc)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    # ------------------------------------------------------------- accessors
    @property
    def available(self) -> bool:
        """Whether there is a catalogue to show at all (cached or received)."""
        return self._snap is not None

    @property
    def version(self) -> int | None:
        return None if self._snap is None else self._snap.version

    @property
    def document(self) -> dict[str, Any] | None:
        """The catalogue document as received (``to_document()`` shape); do not change it."""
        return None if self._snap is None else self._snap.document

    @property
    def hall_name(self) -> Label | None:
        return None if self._snap is None else Label.of(self._snap.document.get("hall_name"))

    def items(self, stream: str | None = None, theme: str | None = None) -> list[ItemView]:
        """Items in catalogue order, only of ``stream`` and ``theme`` when given."""
        if self._snap is None:
            return []
        return [
            i for i in self._snap.items.values()
            if (stream is None or i.stream == stream) and (theme is None or i.theme == theme)
        ]

    def themes(self, stream: str | None = None) -> list[ThemeGroup]:
        """The themes that have items (of ``stream``), in the catalogue's theme order.

        A theme an item names but the theme list lacks still shows, labelled by its key, after
        the others: better an odd label than an item nobody can reach."""
        snap = self._snap
        if snap is None:
            return []
        groups: dict[str, list[ItemView]] = {key: [] for key in snap.themes}
        for item in self.items(stream):
            groups.setdefault(item.theme, []).append(item)
        return [
            ThemeGroup(key, snap.themes.get(key) or Label(key, key), tuple(items))
            for key, items in groups.items() if items
        ]

    def theme_label(self, theme: str) -> Label:
        snap = self._snap
        return (snap.themes.get(theme) if snap else None) or Label(theme, theme)

    def item(self, code: str) -> ItemView | None:
        return None if self._snap is None else self._snap.items.get(code)

    def guide(self, code: str) -> dict[str, Any] | None:
        """The item's guide (办事指南) as in the document (fields of the catalogue's ``Guide``)."""
        raw = None if self._snap is None else self._snap.raw_items.get(code)
        guide = raw.get("guide") if raw else None
        return guide if isinstance(guide, dict) else None

    def allows_self_service(self, code: str) -> bool:
        """Whether the item may be done at this kiosk (``flags.self_service``); unknown: no."""
        item = self.item(code)
        return item is not None and item.self_service

    def certificate_substitutes(self, code: str) -> list[CertificateSubstitute]:
        """Materials of the item the hall checks by e-certificate, so the visitor needn't bring them."""
        guide = self.guide(code)
        snap = self._snap
        if guide is None or snap is None:
            return []
        out = []
        for m in guide.get("materials") or []:
            cert = m.get("e_certificate") if isinstance(m, Mapping) else None
            if isinstance(cert, str) and cert:
                out.append(CertificateSubstitute(
                    material=str(m.get("code", "")),
                    material_name=Label.of(m.get("name"), str(m.get("code", ""))),
                    certificate=cert,
                    certificate_name=snap.certificates.get(cert) or Label(cert, cert),
                ))
        return out

    def search_index(self) -> SearchIndex:
        """The search index of the catalogue held, built once per catalogue received."""
        snap = self._snap
        if snap is None:
            return SearchIndex(())
        cached = self._index
        if cached is None or cached[0] is not snap:
            cached = self._index = (snap, SearchIndex.from_document(snap.document))
        return cached[1]
