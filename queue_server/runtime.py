"""Opening a hall: read its configuration and catalogue from the store, build the engine,
recover the live queue. Also the demo hall that ``init`` creates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .catalogue import load_catalogue, parse_catalogue
from .engine import ClerkInfo, HallEngine, HallRules, WindowDef, WindowKind
from .hallconfig import (
    DEFAULT_HALL_CONFIG,
    CaseRules,
    HallConfig,
    HallConfigError,
    PublicInfo,
    Rules,
    clerk_place,
    load_hall_config,
)
from .links import PublicLinks
from .paths import Paths
from .privacy import Privacy
from .service import HallService, item_rules
from .store import HallStore, make_engine, migrate
from .store.models import Clerk, Hall, WindowRow

DEFAULT_CATALOGUE = Path(__file__).parent / "catalogue" / "data" / "district_hall.yaml"


#: Keys of ``Hall.settings`` that are not rules: the cases' rules, the clerks' seats from the
#: configuration (``signed_in_at``) and the seats the server has yet to take (see ``take_seats``).
NOT_RULES = ("cases", "seats", "pending_seats", "public")


def rules_from_settings(hall: str, settings: dict[str, Any]) -> HallRules:
    rules = Rules.model_validate({k: v for k, v in settings.items() if k not in NOT_RULES})
    return rules.engine_rules(hall, case_rules_from_settings(settings))


def case_rules_from_settings(settings: dict[str, Any]) -> CaseRules:
    return CaseRules.model_validate(settings.get("cases", {}))


def public_from_settings(settings: dict[str, Any]) -> PublicInfo:
    return PublicInfo.model_validate((settings or {}).get("public", {}))


def open_hall(
    db: Engine,
    hall: str,
    paths: Paths,
    *,
    serve_url: str | None = None,
    live_url: str | None = None,
    public_url: str | None = None,
    **service_kw: Any,
) -> HallService:
    """The hall ready to serve. The public links start with ``public_url`` (``serve
    --public-url``), else the configuration's ``public.url``, else ``serve_url`` (the
    server's own HTTP address); the phones' live updates come from the configuration's
    ``public.live_url``, else ``live_url`` (``serve --phone-http``)."""
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
    public = public_from_settings(h.settings)
    service_kw.setdefault(
        "links", PublicLinks.configured(public_url or public.url, public.live_url or live_url, serve_url)
    )
    service_kw.setdefault("public", public)
    service = HallService(store, engine, catalogue, latest.version, privacy, **service_kw)
    service.recover()
    take_seats(db, service, (h.settings or {}).get("pending_seats", {}))
    return service


def take_seats(db: Engine, service: HallService, pending: dict[str, int]) -> None:
    """Sign clerks in at the windows ``init`` gave them (``signed_in_at``) and the hall has not
    seated yet (``pending``, from the hall's settings): a new hall opens with its clerks at
    their windows; a clerk added to a running hall's configuration sits down when its server
    (re)starts. Never moves anyone: a clerk signed in somewhere, or a window taken, stays as
    the day has made it."""
    if not pending:
        return
    hall = service.store.hall
    engine = service.engine
    seats = [
        (clerk, window)
        for clerk, window in pending.items()
        if window in engine.windows and engine.windows[window].clerk is None and engine.window_of(clerk) is None
    ]
    if seats:
        from .service import SYSTEM, Pending

        service.process(
            [Pending("window.sign_in", {"window": w, "clerk": c}, None, SYSTEM, lambda o: None) for c, w in seats]
        )
    # After the sign-ins, in a transaction of its own: SQLite refuses a write from a
    # transaction that read before another connection wrote.
    with Session(db) as s, s.begin():
        h = s.get(Hall, hall)
        if h is not None:
            h.settings = {**h.settings, "pending_seats": {}}  # a new dict: JSON columns see assignment only


def _pending_seats(settings: dict[str, Any], seats: dict[str, int]) -> dict[str, int]:
    """Seats still to take: those not taken yet, and every seat new or moved in the
    configuration since the last ``init`` (JSON keeps the window numbers as numbers)."""
    before = settings.get("seats", {})
    pending = {c: w for c, w in settings.get("pending_seats", {}).items() if seats.get(c) == w}
    pending.update({c: w for c, w in seats.items() if before.get(c) != w})
    return pending


def _refuse_other_halls_clerks(s: Session, config: HallConfig, hall: str, source: str) -> None:
    """Clerk ids are the city's (cases name their first-inquiry clerk by id across halls):
    a hall's file reusing another hall's id would move that clerk here, so it is refused."""
    ids = [c.id for c in config.clerks]
    taken = dict(s.execute(select(Clerk.id, Clerk.hall).where(Clerk.id.in_(ids), Clerk.hall != hall)).tuples().all())
    if taken:
        raise HallConfigError(source, [
            f"{clerk_place(i, c, 'id')}: {c.id} is a clerk of hall {taken[c.id]}; clerk ids are "
            f"the city's, give this clerk another (e.g. {hall.lower()}-{c.id}) / 职员编号 {c.id} 已属于大厅 "
            f"{taken[c.id]}，同城职员编号不可重复，请另取编号"
            for i, c in enumerate(config.clerks) if c.id in taken
        ])


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
    with Session(db) as s:  # before anything is written
        _refuse_other_halls_clerks(s, config, hall, str(config_path))
    Privacy.from_file(paths.data_key, create=True)
    from .auth import ensure_server_keys

    ensure_server_keys(paths)
    store = HallStore(db, hall)
    version, _ = store.publish_catalogue(catalogue.to_document(), catalogue.content_hash(), "init")
    with Session(db) as s, s.begin():
        h = s.get(Hall, hall)
        if h is None:
            h = Hall(code=hall, settings={})
            s.add(h)
        h.name, h.name_en, h.level, h.parent = config.hall.name, config.hall.name_en, config.hall.level, config.hall.parent
        seats = {c.id: c.signed_in_at for c in config.clerks if c.signed_in_at is not None}
        h.settings = {
            **config.rules.model_dump(mode="json"),
            "cases": config.cases.model_dump(mode="json"),
            "public": config.public.model_dump(mode="json", exclude_none=True),
            "seats": seats,
            "pending_seats": _pending_seats(h.settings or {}, seats),
        }
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
        # A new hall opens with its clerks at their windows, so calling can start at once
        # (open_hall takes the seats). An existing hall's server may be running: it is the
        # hall's only writer, so its seats wait for its next start.
        open_hall(db, hall, paths).checkpoint()
    db.dispose()
    return {"hall": hall, "catalogue_version": version, "windows": len(config.windows), "new": new_hall}
