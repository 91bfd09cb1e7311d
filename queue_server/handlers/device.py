"""``device.*``: the health of kiosks' and displays' devices, reported and shown to staff."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..auth import AccessRole
from ..engine import EngineError
from ..engine.errors import bad_request
from ..engine.views import device_health_view
from .bodies import code, text
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

#: Device names and kinds as ``devices/`` writes them (``printer``, ``idcard-1``, ``camera``).
DEVICE_NAME = inputs.pattern(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", "a device name like printer-1", "设备名称，如 printer-1")


@handler("device.health", role=AccessRole.DISPLAY, mutates=True)  # kiosks and displays: checked inside
def device_health(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    """A kiosk's or a display's device changed health (``devices.health.HealthChanged.to_message()``):
    the newest status per (reporting device, device) is kept and shown to staff."""
    if actor.role not in ("kiosk", "display") and actor.kind != "system":
        raise EngineError(
            "forbidden", "device health is reported by a kiosk or a display", "设备状态只能由自助终端或显示屏上报"
        )
    name = code(body, "device", DEVICE_NAME)
    kind = code(body, "kind", inputs.WORD)
    status = code(body, "status", inputs.WORD)
    old = code(body, "old", inputs.WORD, required=False)
    reason = text(body, "reason", required=False, max_len=200) or ""
    at = text(body, "at", required=False, max_len=40) or ""
    if at:
        try:
            datetime.fromisoformat(at)
        except ValueError:
            raise bad_request("at must be an ISO 8601 time", "at 应为 ISO 8601 时间", field="at") from None
    assert name and kind and status
    ctx.service.emit(
        ctx.engine.report_health(actor.name, name, kind, status, now, old=old, reason=reason, reported_at=at)
    )
    return {"reporter": actor.name, "device": name, "status": status, "stored": True}


@handler("device.health_table", role=AccessRole.MANAGER)
def device_health_table(ctx: HallContext, body: dict[str, Any], actor: Actor, now: float) -> dict[str, Any]:
    return {"devices": device_health_view(ctx.engine)}
