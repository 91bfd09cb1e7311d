"""Request and reply models: catalogue."""

from __future__ import annotations

from protocol.models.base import Spec

REQUESTS: dict[str, Spec] = {}
