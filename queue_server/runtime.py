"""Opening a hall: read its configuration and catalogue from the store, build the engine,
recover the live queue. Also the demo hall that ``init`` creates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .catalogue import load_catalogue, parse_catalogue
from .engine import ClerkInfo, HallEngine, HallRules, WindowDef, WindowKind
from .hallconfig import DEFAULT_HALL_CONFIG, CaseRules, Rules, load_hall_config
from .paths import Paths
from .privacy import Privacy
from .service import HallService, item_rules
from .store import HallStore, make_engine, migrate
from .store.models import Clerk, Hall, WindowRow

DEFAULT_CATALOGUE = Path(__file__).parent / "catalogue" / "data" / "district_hall.yaml"


def rules_from_settings(hall: str, settings: dict[str, Any]) -> HallRules:
    rules = Rules.model_validate({k: v for k, v in settings.items() if k != "cases"})
    return rules.engine_rules(hall, case_rules_from_settings(settings))


def case_rules_from_settings(settings: dict[str, Any]) -> CaseRules:
    return CaseRules.model_validate(settings.get("cases", {}))


def open_hall(db: Engine, hall: str, paths: Paths, **service_kw: Any) -> HallService:
    store = HallStore(db, hall)
    with Session(db) as c:
        h = c.execute(select(Hall).where(Hall.code == hall)).scalar_one_or_none()
        if h is None:
            raise SystemExit(f"hall {hall} is not in the database; run `python -m queue_server init` first")
        windows = c.execute(select(WindowRow).where(WindowRow.hall == hall).order_by(WindowRow.number)).scalars()
        window_defs = [
            WindowDef(w.number, WindowKind(w.kind), w.stream, tuple(w.items.get("codes", [])), w.name) for w in windows
        ]
        clerks = [
            ClerkInfo(k.id, k.name, k.staff_no, k.phone)
            for k in c.execute(select(Clerk).where(Clerk.hall == hall)).scalars()
        ]
    latest = store.latest_catalogue()
    if latest is None:
        raise SystemExit("no catalogue published; run `python -m queue_server init` first")
    catalogue = parse_catalogue(latest.document, source=f"catalogue v{latest.version}")
    engine = HallEngine(rules_from_settings(hall, h.settings), item_rules(catalogue).values(), window_defs, clerks)
    privacy = Privacy.from_file(paths.data_key)
    service_kw.setdefault("case_rules", case_rules_from_settings(h.settings))
    service = HallService(store, engine, catalogue, latest.version, privacy, **service_kw)
    service.recover()
    return service


def init_hall(
    url: str,
    paths: Paths,
    *,
    config_path: Path = DEFAULT_HALL_CONFIG,
    catalogue_path: Path = DEFAULT_CATALOGUE,
) -> dict[str, Any]:
    """Create the schema, keys and catalogue; create or update the hall, its windows and
    clerks from the hall configuration file. Safe to run again."""
    catalogue = load_catalogue(catalogue_path)
    config = load_hall_config(config_path, catalogue)  # every problem of the file at once
    hall = config.hall.code
    db = make_engine(url)
    migrate(db)
    Privacy.from_file(paths.data_key, create=True)
    from .auth import ensure_server_keys

    ensure_server_keys(paths)
    store = HallStore(db, hall)
    version, _ = store.publish_catalogue(catalogue.to_document(), catalogue.content_hash(), "init")
    with Session(db) as s, s.begin():
        h = s.get(Hall, hall)
        if h is None:
            h = Hall(code=hall)
            s.add(h)
        h.name, h.name_en, h.level, h.parent = config.hall.name, config.hall.name_en, config.hall.level, config.hall.parent
        h.settings = {**config.rules.model_dump(mode="json"), "cases": config.cases.model_dump(mode="json")}
        existing = {w.number: w for w in s.execute(select(WindowRow).where(WindowRow.hall == hall)).scalars()}
        new_hall = not existing
        for w in config.windows:
            row = existing.pop(w.number, None) or WindowRow(hall=hall, number=w.number)
            row.kind, row.stream, row.name, row.items = w.kind.value, w.stream, w.name, {"codes": list(w.items)}
            s.add(row)
        for gone in existing.values():
            s.delete(gone)
        for c in config.clerks:
            row = s.get(Clerk, c.id) or Clerk(id=c.id)
            row.hall, row.name, row.staff_no, row.phone, row.department = hall, c.name, c.staff_no, c.phone, c.department
            s.add(row)
    if new_hall:
        # A new hall opens with its clerks at their windows, so calling can start at once.
        from .service import SYSTEM, Pending

        service = open_hall(db, hall, paths)
        seats = [c for c in config.clerks if c.signed_in_at is not None]
        service.process(
            [Pending("window.sign_in", {"window": c.signed_in_at, "clerk": c.id}, None, SYSTEM, lambda o: None) for c in seats]
        )
        service.checkpoint()
    db.dispose()
    return {"hall": hall, "catalogue_version": version, "windows": len(config.windows), "new": new_hall}
