"""Request and reply models: hall."""

from __future__ import annotations

from protocol.models.base import Spec

REQUESTS: dict[str, Spec] = {}
