"""Halls of a city share one database and must not reach each other (issue 13), through real
server processes and the command line as an operator uses them: a token, a device name, a
catalogue belong to one hall; which hall a command means; tokens and devices listed and
revoked; ``init`` on a live hall; a busy port; the catalogue published live.

Two halls on one database run on SQLite and on PostgreSQL (the city's set-up); the commands
of a single hall on SQLite. Both halls' servers share one var folder, as two halls served
from one machine would: the same-named devices' key files must not overwrite each other."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from alembic import command
from sqlalchemy import Engine, select, text

from protocol.client import HallClient, RequestFailed
from protocol.keys import CurveClientKeys
from queue_server.catalogue import load_catalogue
from queue_server.runtime import DEFAULT_CATALOGUE
from queue_server.store import make_engine
from queue_server.store.migrations import alembic_config
from queue_server.store.models import AuditEntry
from tests.support.hall import ROOT, HallProcess, h77_config, run_cli
from tests.support.wait import wait_for

pytestmark = pytest.mark.slow

NOTICES = {"notices": [{"zh": "今日医保窗口延时服务", "en": "Medical insurance window open late today"}]}


def cli(var: Path, db: str, *args: str, ok: bool = True) -> Any:
    out = run_cli(*args, var=var, db=db, check=False)
    assert (out.returncode == 0) == ok, out.stderr
    if not ok:  # a refusal is one line, Chinese first, and no traceback
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("错误：") and " / error: " in out.stderr, out.stderr
    return out


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def device(hall: HallProcess, keys: dict[str, str]) -> HallClient:
    return HallClient(hall.router, curve=CurveClientKeys.from_files(keys["server_public"], keys["secret"]), timeout=1, retries=1)


def answers(hall: HallProcess, keys: dict[str, str]) -> bool:
    """Whether the hall's ZeroMQ side answers a device with these keys (CURVE + its registry)."""
    client = device(hall, keys)
    try:
        client.request("catalogue.get", {"have_version": 1})
        return True
    except RequestFailed as e:
        # Refused by ZAP (no answer at all), or, on a connection made before the hall heard of
        # the revocation, by the hall itself at the request (endpoint.REVOKED).
        assert e.code in ("unavailable", "forbidden"), e
        return False
    finally:
        client.close()


# ------------------------------------------------------------------ two halls, one database
class City:
    def __init__(self, var: Path, db: str) -> None:
        self.var, self.db = var, db
        self.h01 = HallProcess(var, db, hall="H01")
        self.h77 = HallProcess(var, db, hall="H77")

    def run(self, *args: str, ok: bool = True) -> Any:
        return cli(self.var, self.db, *args, ok=ok)

    def token(self, *args: str) -> str:
        return self.run("token", "create", *args).stdout.strip()

    def enroll(self, name: str, hall: str, *extra: str, ok: bool = True) -> dict[str, str]:
        out = self.run("device", "enroll", name, "--hall", hall, *extra, ok=ok)
        return json.loads(out.stdout) if ok else {"error": out.stderr}


@pytest.fixture(
    scope="module", params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    var = tmp_path_factory.mktemp(f"city-{request.param}")
    db = f"sqlite:///{var / 'city.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_module_url")
    c = City(var, db)
    c.run("init")
    c.run("init", "--config", str(h77_config(var)))
    c.h01_kiosk = c.enroll("kiosk-1", "H01")  # type: ignore[attr-defined]
    c.h01_kiosk_file = Path(c.h01_kiosk["secret"]).read_bytes()  # type: ignore[attr-defined]
    c.h77_kiosk = c.enroll("kiosk-1", "H77")  # type: ignore[attr-defined]  # the same name, another hall
    c.h01.start()
    c.h77.start()
    yield c
    c.h01.stop()
    c.h77.stop()


def test_a_token_works_only_at_its_own_hall_and_a_city_admin_at_every_hall(city: City) -> None:
    manager = city.token("--role", "manager", "--hall", "H01")
    at_h77 = requests.post(f"{city.h77.http}/api/v1/notices", json=NOTICES, headers=bearer(manager), timeout=10)
    assert at_h77.status_code == 403
    error = at_h77.json()["error"]
    assert "H01" in error["message"] and "H77" in error["message"]
    assert "H01" in error["message_zh"] and "H77" in error["message_zh"]
    assert requests.post(f"{city.h01.http}/api/v1/notices", json=NOTICES, headers=bearer(manager), timeout=10).status_code == 200

    city.run("token", "create", "--role", "manager", "--all-halls", ok=False)  # only an admin spans halls
    admin = city.token("--role", "admin", "--all-halls")
    for hall in (city.h01, city.h77):
        assert requests.post(f"{hall.http}/api/v1/notices", json=NOTICES, headers=bearer(admin), timeout=10).status_code == 200


def test_each_hall_publishes_its_own_catalogue_live(city: City) -> None:
    document = load_catalogue(DEFAULT_CATALOGUE).to_document()  # the demo catalogue: about 290 KB of JSON
    document["items"][0]["name"]["zh"] = "义务教育阶段学生转学（H77 试点）"
    admin = city.token("--role", "admin", "--hall", "H77")
    published = requests.post(f"{city.h77.http}/api/v1/catalogue", json=document, headers=bearer(admin), timeout=60)
    assert published.status_code == 201, published.text
    assert requests.post(f"{city.h01.http}/api/v1/catalogue", json=document, headers=bearer(admin), timeout=60).status_code == 403

    h77 = requests.get(f"{city.h77.http}/api/v1/catalogue", timeout=10).json()
    h01 = requests.get(f"{city.h01.http}/api/v1/catalogue", timeout=10).json()
    assert h77["version"] == published.json()["version"] and h77["items"][0]["name"]["zh"].endswith("（H77 试点）")
    assert h01["version"] == 1 and h01["items"][0]["name"]["zh"] == "义务教育阶段学生转学"
    # ...and after a restart H01 still opens with its own (the newest version of the database is H77's)
    city.h01.stop()
    city.h01.start()
    assert requests.get(f"{city.h01.http}/api/v1/catalogue", timeout=10).json()["version"] == 1


def test_a_device_name_is_its_hall_s_own_and_is_replaced_only_on_purpose(city: City) -> None:
    h01_kiosk, h77_kiosk = city.h01_kiosk, city.h77_kiosk  # type: ignore[attr-defined]
    assert h01_kiosk["secret"] != h77_kiosk["secret"]
    assert Path(h01_kiosk["secret"]).read_bytes() == city.h01_kiosk_file  # type: ignore[attr-defined]  # not overwritten
    assert answers(city.h01, h01_kiosk) and answers(city.h77, h77_kiosk)
    assert not answers(city.h77, h01_kiosk)  # H01's kiosk-1 is a stranger at H77

    again = city.enroll("kiosk-1", "H01", ok=False)["error"]
    assert "kiosk-1" in again and "H01" in again and "--replace" in again
    assert answers(city.h01, h01_kiosk)  # the refused enrolment changed nothing

    old = city.var / "kiosk-1-before.key_secret"  # the kiosk keeps its old key until it is given the new one
    old.write_bytes(Path(h01_kiosk["secret"]).read_bytes())
    replaced = city.enroll("kiosk-1", "H01", "--replace")
    assert replaced["secret"] == h01_kiosk["secret"]  # the same files, a new key pair
    wait_for(lambda: answers(city.h01, replaced), timeout=20, message="the new key is refused")
    assert not answers(city.h01, {**h01_kiosk, "secret": str(old)}) and answers(city.h77, h77_kiosk)


def test_without_hall_a_command_names_the_halls_there_are(city: City) -> None:
    several = city.run("token", "create", "--role", "manager", ok=False).stderr
    assert "H01" in several and "H77" in several and "--hall" in several
    unknown = city.run("device", "enroll", "kiosk-2", "--hall", "H99", ok=False).stderr
    assert "H99" in unknown and "H01" in unknown and "H77" in unknown


# ------------------------------------------------------------------ one hall
@pytest.fixture(scope="module")
def h77(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallProcess]:
    """A database whose only hall is H77, made by ``init --config``."""
    var = tmp_path_factory.mktemp("h77")
    hall = HallProcess(var, f"sqlite:///{var / 'hall.db'}")
    assert "hall H77 created" in cli(var, hall.db, "init", "--config", str(h77_config(var))).stdout
    hall.start()  # serve with no --hall
    yield hall
    hall.stop()


def test_the_only_hall_of_a_database_is_every_command_s_hall(h77: HallProcess) -> None:
    assert requests.get(f"{h77.http}/api/v1/hall", timeout=10).json()["hall"] == "H77"
    keys = json.loads(cli(h77.var, h77.db, "device", "enroll", "kiosk-7").stdout)
    assert keys["hall"] == "H77"
    wait_for(lambda: answers(h77, keys), timeout=20, message="the kiosk enrolled for the only hall is refused")
    wrong = cli(h77.var, h77.db, "device", "list", "--hall", "H01", ok=False).stderr
    assert "H01" in wrong and "H77" in wrong
    other = HallProcess(h77.var, h77.db)
    out = run_cli("serve", "--hall", "H01", "--http", f"127.0.0.1:{other.http_port}", var=h77.var, db=h77.db, check=False)
    assert out.returncode == 1 and "H01" in out.stderr and "H77" in out.stderr and "Traceback" not in out.stderr


def test_tokens_name_real_clerks_and_are_listed_and_revoked(h77: HallProcess) -> None:
    nobody = cli(h77.var, h77.db, "token", "create", "--role", "clerk", "--clerk", "nobody99", ok=False).stderr
    assert "nobody99" in nobody and "H77" in nobody
    assert "--clerk" in cli(h77.var, h77.db, "token", "create", "--role", "clerk", ok=False).stderr
    assert "c01" in cli(h77.var, h77.db, "token", "create", "--role", "clerk", "--clerk", "c01", ok=False).stderr  # H01's id

    clerk = cli(h77.var, h77.db, "token", "create", "--role", "clerk", "--clerk", "h77-c01", "--name", "陈晓梅").stdout.strip()
    listed = cli(h77.var, h77.db, "token", "list").stdout
    header, *rows = listed.splitlines()
    assert header.split() == ["id", "role", "name", "clerk", "hall", "created", "revoked"]
    mine = next(r.split() for r in rows if "h77-c01" in r)
    assert mine[1:5] == ["clerk", "陈晓梅", "h77-c01", "H77"] and mine[-1] == "-"
    assert "hall_" not in listed  # no secret is ever shown again

    cli(h77.var, h77.db, "token", "revoke", mine[0])
    after = [r.split() for r in cli(h77.var, h77.db, "token", "list").stdout.splitlines()]
    assert next(r for r in after if r[0] == mine[0])[-1] != "-"  # the revocation's time
    r = requests.post(f"{h77.http}/api/v1/windows/1/call-next", headers=bearer(clerk), timeout=10)
    assert r.status_code == 401
    assert "H77" in cli(h77.var, h77.db, "token", "revoke", mine[0], ok=False).stderr  # revoked already

    keys = json.loads(cli(h77.var, h77.db, "device", "enroll", "board-7", "--kind", "display").stdout)
    assert "board-7" in cli(h77.var, h77.db, "device", "list").stdout
    cli(h77.var, h77.db, "device", "revoke", "board-7")
    wait_for(lambda: not answers(h77, keys), timeout=20, message="a revoked device still answers")
    assert "board-7" in cli(h77.var, h77.db, "device", "revoke", "board-7", ok=False).stderr

    actions = audit(h77.db)
    assert {("token.create", "陈晓梅"), ("token.revoke", mine[0]), ("device.enroll", "board-7"), ("device.revoke", "board-7")} <= actions


def audit(db: str) -> set[tuple[str, str]]:
    engine = make_engine(db)
    try:
        with engine.connect() as c:
            return {(a, s) for a, s in c.execute(select(AuditEntry.action, AuditEntry.subject))}
    finally:
        engine.dispose()


def test_serve_on_a_busy_port_says_which_in_one_line(h77: HallProcess) -> None:
    other = HallProcess(h77.var, h77.db)
    for http, router, what in (
        (h77.http_port, other.router, f"port {h77.http_port} is in use"),
        (other.http_port, h77.router, f"port {h77.router_port} is in use (ZeroMQ requests"),
    ):
        out = run_cli(
            "serve", "--http", f"127.0.0.1:{http}", "--router", router, "--pub", other.pub, var=h77.var, db=h77.db, check=False
        )
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        line = out.stderr.strip().splitlines()[-1]
        assert what in line and "已被占用" in line
    assert requests.get(f"{h77.http}/api/v1/health", timeout=10).status_code == 200  # the hall serving is untouched


def test_the_catalogue_route_takes_large_documents_and_says_so(h77: HallProcess) -> None:
    admin = cli(h77.var, h77.db, "token", "create", "--role", "admin").stdout.strip()
    document = load_catalogue(DEFAULT_CATALOGUE).to_document()
    same = requests.post(f"{h77.http}/api/v1/catalogue", json=document, headers=bearer(admin), timeout=60)
    assert same.status_code == 200 and same.json()["created"] is False  # the demo catalogue, over 64 KiB, is read
    document["hall_name"] = {"zh": "X" * (4 * 1024 * 1024), "en": "X"}
    too_large = requests.post(f"{h77.http}/api/v1/catalogue", json=document, headers=bearer(admin), timeout=60)
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "too_large"
    big_complaint = {"text": "投诉" * 40_000}
    assert requests.post(f"{h77.http}/api/v1/complaints", json=big_complaint, timeout=10).status_code == 413
    op = requests.get(f"{h77.http}/api/v1/openapi.json", timeout=10).json()["paths"]["/catalogue"]["post"]
    assert "4 MiB" in op["description"] and "4 MiB" in op["responses"]["413"]["description"]


# ------------------------------------------------------------------ init against a live hall
def test_init_on_a_live_hall_says_restart_and_the_restart_seats_a_new_clerk(tmp_path: Path) -> None:
    hall = HallProcess(tmp_path / "var", f"sqlite:///{tmp_path / 'hall.db'}")
    run_cli("init", "--config", str(h77_config(tmp_path)), var=hall.var, db=hall.db)
    hall.start()
    try:
        new_clerk = "{id: h77-c99, name: 林小芳, staff_no: SF0199, signed_in_at: 4}"
        again = run_cli("init", "--config", str(h77_config(tmp_path, extra_clerk=new_clerk)), var=hall.var, db=hall.db)
        assert "hall H77 updated" in again.stdout and "restarted" in again.stdout and "重启" in again.stdout
        token = cli(hall.var, hall.db, "token", "create", "--role", "clerk", "--clerk", "h77-c99").stdout.strip()
        hall.stop()
        hall.start()
        windows = {w["number"]: w for w in requests.get(f"{hall.http}/api/v1/queue", timeout=10).json()["windows"]}
        assert windows[4]["clerk"]["id"] == "h77-c99" and windows[1]["clerk"]["id"] == "h77-c01"
        ticket = requests.post(f"{hall.http}/api/v1/tickets", json={"item_code": "C-WJ-002"}, timeout=10).json()
        called = requests.post(f"{hall.http}/api/v1/windows/4/call-next", headers=bearer(token), timeout=10)
        assert called.status_code == 200 and called.json()["ticket"]["number"] == ticket["number"], called.text
        # a second restart moves nobody: the clerk who signed out stays out
        done = requests.post(f"{hall.http}/api/v1/tickets/{ticket['id']}/complete", json={}, headers=bearer(token), timeout=10)
        assert done.status_code == 200, done.text
        requests.post(f"{hall.http}/api/v1/windows/4/sign-out", headers=bearer(token), timeout=10).raise_for_status()
        hall.stop()
        hall.start()
        windows = {w["number"]: w for w in requests.get(f"{hall.http}/api/v1/queue", timeout=10).json()["windows"]}
        assert windows[4]["clerk"] is None
    finally:
        hall.stop()


# ------------------------------------------------------------------ the migration
def test_rows_from_before_halls_were_scoped_get_their_hall(database_url: str, engines: list[Engine]) -> None:
    engine = make_engine(database_url)
    engines.append(engine)
    upgrade(engine, "0009")
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(text("INSERT INTO halls (code, name, name_en, level, settings) VALUES ('H01', '一', 'One', 'district', '{}'), ('H77', '七', 'Seven', 'town', '{}')"))
        c.execute(text("INSERT INTO clerks (id, hall, name, staff_no, phone, department) VALUES ('h77-c01', 'H77', '陈', 'S1', '', '')"))
        c.execute(text("INSERT INTO catalogue_versions VALUES (1, :t, 'init', 'abc', '{}')"), {"t": now})
        c.execute(
            text("INSERT INTO api_tokens (token_hash, role, name, clerk, created_at) VALUES ('h1', 'manager', 'm', NULL, :t), ('h2', 'clerk', 'c', 'h77-c01', :t)"),
            {"t": now},
        )
        c.execute(text("INSERT INTO devices (hall, name, kind, public_key, enrolled_at) VALUES ('H01', 'kiosk-1', 'kiosk', 'k1', :t)"), {"t": now})
    upgrade(engine, "head")
    with engine.begin() as c:
        assert c.execute(text("SELECT hall, version FROM catalogue_versions ORDER BY hall")).all() == [("H01", 1), ("H77", 1)]
        assert c.execute(text("SELECT role, hall FROM api_tokens ORDER BY id")).all() == [("manager", "H01"), ("clerk", "H77")]
        c.execute(text("INSERT INTO devices (hall, name, kind, public_key, enrolled_at) VALUES ('H77', 'kiosk-1', 'kiosk', 'k2', :t)"), {"t": now})


def upgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_busy_port_check_sees_a_plain_listener(h77: HallProcess) -> None:
    """Any program on the port, not only another hall server."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        other = HallProcess(h77.var, h77.db)
        out = run_cli("serve", "--http", f"127.0.0.1:{port}", "--router", other.router, "--pub", other.pub,
                      var=h77.var, db=h77.db, check=False)
    assert out.returncode == 1 and f"port {port} is in use" in out.stderr and "Traceback" not in out.stderr


def test_a_hall_cannot_take_over_another_hall_s_clerk(city: City) -> None:
    # H78's file keeps H01's clerk ids: init would have moved 陈晓梅 c01 to H78.
    text_ = (ROOT / "config" / "hall.yaml").read_text(encoding="utf-8").replace("code: H01 ", "code: H78 ")
    config = city.var / "h78.yaml"
    config.write_text(text_, encoding="utf-8")
    out = run_cli("init", "--config", str(config), var=city.var, db=city.db, check=False)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "clerks[0] (clerk c01).id" in out.stderr and "H01" in out.stderr and "职员编号 c01 已属于大厅 H01" in out.stderr
    engine = make_engine(city.db)
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT hall FROM clerks WHERE id = 'c01'")).scalar_one() == "H01"
            assert c.execute(text("SELECT count(*) FROM halls WHERE code = 'H78'")).scalar_one() == 0
    finally:
        engine.dispose()


def test_serve_warns_when_the_working_day_calendar_runs_out(h77: HallProcess) -> None:
    from queue_server.cases.workdays import calendar_coverage
    from queue_server.hallconfig import load_hall_config

    # What the hall's deadlines count on: the package's calendar and the hall's extra days.
    calendar = load_hall_config(h77.var / "h77.yaml").cases.calendar()
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    coverage = calendar_coverage(calendar, today)
    log = h77.log()
    if coverage.missing_years:  # chinese_calendar of 2026 does not know 2027's holidays
        assert "WARNING" in log and str(coverage.missing_years[0]) in log, log
    else:
        assert "calendar" not in log.lower(), log
