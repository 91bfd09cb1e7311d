"""Fixtures of the kiosk's pure helpers: the demo hall's catalogue as the kiosk receives it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from queue_server.catalogue.loader import load_catalogue

DEMO_YAML = Path(__file__).resolve().parents[2] / "queue_server" / "catalogue" / "data" / "district_hall.yaml"


@pytest.fixture(scope="session")
def _demo_document() -> dict[str, Any]:
    return load_catalogue(DEMO_YAML).to_document()


@pytest.fixture
def demo_document(_demo_document: dict[str, Any]) -> dict[str, Any]:
    """The demo catalogue in ``to_document()`` shape (a fresh copy: tests may change it)."""
    return copy.deepcopy(_demo_document)
