"""``catalogue.*``: the service catalogue, read by kiosks and published by an administrator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..auth import AccessRole
from ..engine.errors import bad_request
from .bodies import integer
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("catalogue.get")
def catalogue_get(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    have = integer(body, "have_version", required=False)
    if have == ctx.service.catalogue_version:
        return {"version": ctx.service.catalogue_version, "unchanged": True}
    return {"version": ctx.service.catalogue_version, "unchanged": False, "catalogue": ctx.service.catalogue_document}


@handler("catalogue.publish", role=AccessRole.ADMIN, mutates=True)
def catalogue_publish(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    doc = body.get("document")
    if not isinstance(doc, dict):
        raise bad_request("document must be a catalogue object", "缺少事项目录内容")
    version, created = ctx.service.replace_catalogue(doc, actor.name)
    return {"version": version, "created": created}
