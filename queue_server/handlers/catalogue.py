"""``catalogue.*``: the service catalogue, read by kiosks and published by an administrator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.models.catalogue import CatalogueGet, CataloguePublish

from ..auth import AccessRole
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("catalogue.get")
def catalogue_get(ctx: HallContext, req: CatalogueGet, actor: Actor, now: float) -> dict[str, Any]:
    if req.have_version == ctx.service.catalogue_version:
        return {"version": ctx.service.catalogue_version, "unchanged": True}
    return {"version": ctx.service.catalogue_version, "unchanged": False, "catalogue": ctx.service.catalogue_document}


@handler("catalogue.publish", role=AccessRole.ADMIN, mutates=True)
def catalogue_publish(ctx: HallContext, req: CataloguePublish, actor: Actor, now: float) -> dict[str, Any]:
    """The document is an object (the model); the catalogue's loader checks it whole."""
    version, created = ctx.service.replace_catalogue(req.document, actor.name)
    return {"version": version, "created": created}
