"""``device.*``: the health of kiosks', displays' and window agents' devices, reported and shown to staff."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from protocol.models.base import NoBody
from protocol.models.hall import DeviceHealth

from ..auth import AccessRole
from ..engine import EngineError
from ..engine.errors import bad_request
from ..engine.views import device_health_view
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


# Kiosks, displays and window agents (a call pad's key): the role is checked inside.
@handler("device.health", role=AccessRole.DISPLAY, mutates=True)
def device_health(ctx: HallContext, req: DeviceHealth, actor: Actor, now: float) -> dict[str, Any]:
    """A kiosk's or a display's device changed health (``devices.health.HealthChanged.to_message()``):
    the newest status per (reporting device, device) is kept and shown to staff."""
    if actor.role not in ("kiosk", "display", "callpad") and actor.kind != "system":
        raise EngineError(
            "forbidden",
            "device health is reported by a kiosk, a display or a window agent",
            "设备状态只能由自助终端、显示屏或窗口代理上报",
        )
    name, kind, status, old = req.device, req.kind, req.status, req.old  # the engine checks the statuses
    reason, at = req.reason or "", req.at or ""
    if at:
        try:
            datetime.fromisoformat(at)
        except ValueError:
            raise bad_request("at must be an ISO 8601 time", "at 应为 ISO 8601 时间", field="at") from None
    ctx.service.emit(
        ctx.engine.report_health(actor.name, name, kind, status, now, old=old, reason=reason, reported_at=at)
    )
    return {"reporter": actor.name, "device": name, "status": status, "stored": True}


@handler("device.health_table", role=AccessRole.MANAGER)
def device_health_table(ctx: HallContext, req: NoBody, actor: Actor, now: float) -> dict[str, Any]:
    return {"devices": device_health_view(ctx.engine)}
