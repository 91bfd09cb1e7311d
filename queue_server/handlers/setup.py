"""``setup.*``: the hall's windows, opening hours and appointment slots, read and changed by
an admin while the hall runs (the browser's set-up page).

The new set-up is checked whole, as ``init`` checks ``config/hall.yaml`` (``hallconfig``:
the rules' own checks, windows against the catalogue), every problem named; then stored (the
windows table and the rules of ``halls.settings``, with its audit entry, in one transaction)
and put in force on the engine (``engine.setup.reconfigure``): the next call, ticket and
booking follow it. A restart reads the same from the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from protocol.models.setup import SetupApply

from ..auth import AccessRole
from ..engine.errors import bad_request
from ..engine.setup import reconfigure, window_changes, windows_left_out
from ..hallconfig import Rules, WindowConfig, cross_problems
from ..store.setupstore import hall_settings, save_setup
from .registry import handler

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext

#: The keys of ``halls.settings`` that are rules (the rest: the cases' rules, seats, public).
RULE_KEYS = frozenset(Rules.model_fields)


def _stored_rules(ctx: HallContext) -> dict[str, Any]:
    settings = hall_settings(ctx.service.store.engine, ctx.hall)
    return {k: v for k, v in settings.items() if k in RULE_KEYS}


def _view(ctx: HallContext, rules: Rules) -> dict[str, Any]:
    explicit = rules.appointment_slots is not None
    return {
        "windows": [
            {"number": w.number, "kind": w.defn.kind.value, "stream": w.defn.stream, "name": w.defn.name,
             "items": list(w.defn.items)}
            for w in ctx.engine.windows.values()
        ],
        "rules": {
            "hours": {d: list(p) for d, p in rules.hours.items()} if rules.hours is not None else None,
            "appointment_periods": None if explicit else list(rules.appointment_periods),
            "appointment_slot_min": rules.appointment_slot_min,
            "appointment_capacity": rules.appointment_capacity,
            "appointment_days_ahead": rules.appointment_days_ahead,
            "daily_caps": dict(rules.daily_caps),
        },
        "explicit_slots": [f"{s.start}-{s.end}" for s in rules.slot_templates()] if explicit else None,
        "timezone": rules.timezone,
    }


def _problems(e: ValidationError, section: str) -> list[str]:
    out = []
    for err in e.errors(include_url=False, include_input=False):
        where = ".".join(str(x) for x in (section, *err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "value_error" and not err["loc"]:  # the rules' own checks, one a line
            out += [f"{section}.{line}" for line in msg.splitlines()]
        else:
            out.append(f"{where}: {msg}")
    return out


@handler("setup.get", role=AccessRole.ADMIN)
def setup_get(ctx: HallContext, req: object, actor: Actor, now: float) -> dict[str, Any]:
    return _view(ctx, Rules.model_validate(_stored_rules(ctx)))


@handler("setup.apply", role=AccessRole.ADMIN, mutates=True)
def setup_apply(ctx: HallContext, req: SetupApply, actor: Actor, now: float) -> dict[str, Any]:
    stored = _stored_rules(ctx)
    asked = req.rules.model_dump()
    changes: dict[str, Any] = {k: v for k, v in asked.items() if k != "appointment_periods"}
    if asked["appointment_periods"] is not None:  # periods given: they replace a list of slots
        changes |= {"appointment_periods": asked["appointment_periods"], "appointment_slots": None}
    problems: list[str] = []
    rules: Rules | None = None
    try:
        rules = Rules.model_validate({**stored, **changes})
    except ValidationError as e:
        problems += _problems(e, "rules")
    windows: list[tuple[int, WindowConfig]] = []
    for i, w in enumerate(req.windows):
        try:
            windows.append((i, WindowConfig.model_validate(w.model_dump())))
        except ValidationError as e:
            problems += _problems(e, f"windows[{i}]")
    problems += cross_problems(windows, [], rules, ctx.catalogue)
    defs = [w.definition() for _, w in windows]
    gone = windows_left_out(ctx.engine, defs)
    if gone:
        problems.append(
            f"windows {', '.join(map(str, gone))}: a window cannot be removed while the hall runs (close it, or "
            "remove it from the configuration file and run init)"
        )
    if problems or rules is None:
        raise bad_request(
            "the set-up has problems: " + "; ".join(problems),
            f"大厅设置有误（共 {len(problems)} 处），未作任何更改",
            problems=problems,
        )
    new_rules = rules.model_dump(mode="json")
    rules_changed = {k for k in new_rules if new_rules[k] != stored.get(k, Rules.model_fields[k].default)}
    changed, added = window_changes(ctx.engine, defs)
    save_setup(
        ctx.service.store.engine,
        ctx.hall,
        [{"number": w.number, "kind": w.kind.value, "stream": w.stream, "name": w.name, "items": w.items}
         for _, w in windows],
        new_rules,
        f"{actor.kind}:{actor.name}",
        {"changed_windows": changed, "added_windows": added, "rules": sorted(rules_changed)},
    )
    reconfigure(ctx.engine, rules.engine_rules(ctx.hall, ctx.service.case_rules), defs)
    return {
        **_view(ctx, rules),
        "changed_windows": changed,
        "added_windows": added,
        "rules_changed": bool(rules_changed),
    }
