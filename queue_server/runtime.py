"""Opening a hall: read its configuration and catalogue from the store, build the engine,
recover the live queue. Also the demo hall that ``init`` creates."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from .catalogue import Catalogue, load_catalogue, parse_catalogue
from .engine import ClerkInfo, HallEngine, HallRules, WindowDef, WindowKind
from .paths import Paths
from .privacy import Privacy
from .service import HallService, item_rules
from .store import HallStore, make_engine, migrate
from .store.models import Clerk, Hall, WindowRow

DEFAULT_CATALOGUE = Path(__file__).parent / "catalogue" / "data" / "district_hall.yaml"


def rules_from_settings(hall: str, settings: dict[str, Any]) -> HallRules:
    known = {k: v for k, v in settings.items() if k in HallRules.__dataclass_fields__ and k != "appointment_slots"}
    if "prefixes" in known:
        known["prefixes"] = tuple(tuple(p) for p in known["prefixes"])
    return HallRules(hall=hall, **known)


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
    service = HallService(store, engine, catalogue, latest.version, privacy, **service_kw)
    service.recover()
    return service


# ------------------------------------------------------------------------ demo
DEMO_CLERKS = [
    ("c01", "陈晓梅", "SF0101", "0755-26010101"),
    ("c02", "王建国", "SF0102", "0755-26010102"),
    ("c03", "李娜", "SF0103", "0755-26010103"),
    ("c04", "张伟", "SF0104", "0755-26010104"),
    ("c05", "刘洋", "SF0105", "0755-26010105"),
    ("c06", "赵敏", "SF0106", "0755-26010106"),
    ("c07", "黄志强", "SF0107", "0755-26010107"),
    ("c08", "周婷", "SF0108", "0755-26010108"),
]


def demo_windows(catalogue: Catalogue) -> list[WindowDef]:
    social = tuple(code for code, item in catalogue.items.items() if item.theme == "social_security")[:4]
    return [
        WindowDef(1, WindowKind.COMPREHENSIVE, "citizen", (), "综合窗口 Comprehensive"),
        WindowDef(2, WindowKind.COMPREHENSIVE, "citizen", (), "综合窗口 Comprehensive"),
        WindowDef(3, WindowKind.COMPREHENSIVE, "citizen", (), "综合窗口 Comprehensive"),
        WindowDef(4, WindowKind.COMPREHENSIVE, "citizen", (), "综合窗口 Comprehensive"),
        WindowDef(5, WindowKind.ENTERPRISE, "enterprise", (), "法人窗口 Enterprise"),
        WindowDef(6, WindowKind.ENTERPRISE, "enterprise", (), "法人窗口 Enterprise"),
        WindowDef(7, WindowKind.DEDICATED, "citizen", social, "社保专窗 Social security"),
        WindowDef(8, WindowKind.GREEN_CHANNEL, "citizen", (), "绿色通道 Green channel"),
    ]


def init_hall(
    url: str,
    paths: Paths,
    *,
    hall: str = "H01",
    hall_name: str = "示范区政务服务中心",
    hall_name_en: str = "Demonstration District Government Service Centre",
    catalogue_path: Path = DEFAULT_CATALOGUE,
    demo: bool = True,
) -> dict[str, Any]:
    """Create the schema, the hall, its keys, the catalogue and (demo) windows and clerks.
    Safe to run again: what exists is kept."""
    db = make_engine(url)
    migrate(db)
    Privacy.from_file(paths.data_key, create=True)
    from .auth import ensure_server_keys

    ensure_server_keys(paths)
    catalogue = load_catalogue(catalogue_path)
    store = HallStore(db, hall)
    version, _ = store.publish_catalogue(catalogue.to_document(), catalogue.content_hash(), "init")
    created_windows = 0
    with db.begin() as c:
        if c.execute(select(Hall.code).where(Hall.code == hall)).first() is None:
            c.execute(insert(Hall).values(code=hall, name=hall_name, name_en=hall_name_en, level="district", settings={}))
        if demo and c.execute(select(WindowRow.id).where(WindowRow.hall == hall)).first() is None:
            for w in demo_windows(catalogue):
                c.execute(
                    insert(WindowRow).values(
                        hall=hall, number=w.number, kind=w.kind.value, stream=w.stream, items={"codes": list(w.items)}, name=w.name
                    )
                )
                created_windows += 1
            for cid, name, staff, phone in DEMO_CLERKS:
                if c.execute(select(Clerk.id).where(Clerk.id == cid)).first() is None:
                    c.execute(insert(Clerk).values(id=cid, hall=hall, name=name, staff_no=staff, phone=phone))
    if demo and created_windows:
        from .service import SYSTEM, Pending

        service = open_hall(db, hall, paths)
        batch = [
            Pending("window.sign_in", {"window": n, "clerk": cid}, None, SYSTEM, lambda o: None)
            for n, (cid, *_rest) in zip((1, 2, 3, 5, 7, 8), DEMO_CLERKS, strict=False)
        ]
        service.process(batch)
        service.checkpoint()
    db.dispose()
    return {"hall": hall, "catalogue_version": version, "windows_created": created_windows, "at": time.time()}
