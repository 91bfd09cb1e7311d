"""The catalogue as the screens read it: items as the catalogue's own documents (dicts with
``name``, ``guide``, ``flags``, ``application_fields`` …), themes with their labels, search.

:class:`kiosk.catalogue_cache.CatalogueCache` keeps and refreshes the catalogue; this puts
the screens' questions to it, and asks the server for a newer one with a client of its own
(refreshes run on a thread of their own, never on the link's worker or the UI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from .catalogue_cache import CatalogueCache, Refresh, Requester

Connect = Callable[[], AbstractContextManager[Requester]]


class KioskCatalogue:
    def __init__(self, cache: CatalogueCache, connect: Connect | None = None) -> None:
        self.cache = cache
        self.connect = connect
        cache.load()

    @property
    def stale(self) -> bool:
        return self.cache.stale

    @property
    def document(self) -> dict[str, Any]:
        return self.cache.document or {}

    def hall_name(self, lang: str) -> str:
        name = self.cache.hall_name
        return name.get(lang) if name else ""

    def refresh(self) -> bool:
        """Ask the server; True when a newer catalogue came (blocks: call off the UI thread)."""
        if self.connect is None:
            return False
        with self.connect() as client:
            return self.cache.refresh(client) is Refresh.UPDATED

    def _items(self) -> dict[str, dict[str, Any]]:
        doc = self.cache.document or {}
        cached = getattr(self, "_by_code", None)
        if cached is None or cached[0] is not doc:
            cached = (doc, {i["code"]: i for i in doc.get("items") or []})
            self._by_code = cached
        return cached[1]

    def item(self, code: str) -> dict[str, Any] | None:
        return self._items().get(code)

    def items(self, stream: str | None = None, theme: str | None = None) -> list[dict[str, Any]]:
        by_code = self._items()
        return [by_code[v.code] for v in self.cache.items(stream or None, theme or None)]

    def items_self_service(self) -> list[dict[str, Any]]:
        by_code = self._items()
        return [by_code[v.code] for v in self.cache.items() if v.self_service]

    def themes(self, stream: str | None = None) -> list[tuple[str, dict[str, str]]]:
        return [(g.theme, {"zh": g.label.zh, "en": g.label.en}) for g in self.cache.themes(stream or None)]

    def search(self, query: str, stream: str | None = None, limit: int = 12) -> list[dict[str, Any]]:
        by_code = self._items()
        hits = self.cache.search_index().search(query, stream=stream or None, limit=limit)
        return [by_code[h.code] for h in hits if h.code in by_code]

    def candidates(self, prefix: str, stream: str | None = None) -> list[str]:
        """Phrases the letters typed so far spell (the candidate bar)."""
        return [c.phrase for c in self.cache.search_index().candidates(prefix, stream=stream or None, limit=4)]
