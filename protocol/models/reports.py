"""Request and reply models: reports."""

from __future__ import annotations

from protocol.models.base import Spec

REQUESTS: dict[str, Spec] = {}
