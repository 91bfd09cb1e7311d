"""Fixtures of the kiosk's tests: Kivy offscreen, the demo hall's catalogue as the kiosk receives it."""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from queue_server.catalogue.loader import load_catalogue
from tests.support.hall import HallProcess

# Kivy is configured before anything imports it: no screen, no command line, no log files.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

DEMO_YAML = Path(__file__).resolve().parents[2] / "queue_server" / "catalogue" / "data" / "district_hall.yaml"


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """A real queue server with the demo hall and an enrolled ``kiosk-1``, one per test module
    (a module needing more, clerks' tokens say, defines its own)."""
    var = tmp_path_factory.mktemp("hall")
    h = HallProcess(var, f"sqlite:///{var}/hall.db")
    h.init()
    h.enroll("kiosk-1")
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def _demo_document() -> dict[str, Any]:
    return load_catalogue(DEMO_YAML).to_document()


@pytest.fixture
def demo_document(_demo_document: dict[str, Any]) -> dict[str, Any]:
    """The demo catalogue in ``to_document()`` shape (a fresh copy: tests may change it)."""
    return copy.deepcopy(_demo_document)


class DocumentServer:
    """Answers ``catalogue.get`` with one document, as the queue server would (version 1)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def request(self, type: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        assert type == "catalogue.get"
        if (body or {}).get("have_version") == 1:
            return {"version": 1, "unchanged": True}
        return {"version": 1, "unchanged": False, "catalogue": self.document}


def kiosk_catalogue(state_dir: Path, document: dict[str, Any] | None = None) -> Any:
    """The kiosk's real catalogue (cache and the screens' view) holding ``document`` (default:
    the demo catalogue), received once as from the server."""
    from kiosk.catalogue_cache import CatalogueCache
    from kiosk.catalogue_view import KioskCatalogue

    cache = CatalogueCache(state_dir)
    cache.refresh(DocumentServer(document or load_catalogue(DEMO_YAML).to_document()))
    return KioskCatalogue(cache)
