"""Staff accounts (``queue_server.users``, migration 0011) on SQLite and on a real PostgreSQL:
the migration both ways, create, sign in, sessions (and their end), the hall's list, and a
username unique within its hall (two halls of a city on one database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from queue_server.auth import AccessError
from queue_server.paths import Paths
from queue_server.runtime import init_hall
from queue_server.store import make_engine, migrate
from queue_server.store.migrations import alembic_config
from queue_server.store.models import AuditEntry, User, WebSession
from queue_server.users import (
    UserRole,
    authenticate,
    create_user,
    end_session,
    list_users,
    session_account,
    set_disabled,
    set_password,
    start_session,
)
from tests.support.hall import h77_config

PASSWORD = "chen-xiaomei-2026"


@pytest.fixture
def db(database_url: str, tmp_path: Path, engines: list[Engine]) -> Engine:
    """A database of two halls, H01 (config/hall.yaml) and H77, at the newest migration."""
    paths = Paths(tmp_path / "var")
    init_hall(database_url, paths)
    init_hall(database_url, paths, config_path=h77_config(tmp_path))
    engine = make_engine(database_url)
    engines.append(engine)
    return engine


def test_migration_0011_makes_the_users_table_and_takes_it_away(db: Engine) -> None:
    assert "users" in inspect(db).get_table_names()
    unique = {tuple(u["column_names"]) for u in inspect(db).get_unique_constraints("users")}
    assert ("hall", "username") in unique
    with db.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    assert "users" not in inspect(db).get_table_names()
    migrate(db)
    assert "users" in inspect(db).get_table_names()
    create_user(db, "H01", "chen", PASSWORD, UserRole.CLERK, "c01")  # usable again at once


def test_an_account_signs_in_with_its_password_only_at_its_own_hall(db: Engine) -> None:
    made = create_user(db, "H01", "chen", PASSWORD, UserRole.CLERK, "c01")
    assert (made.hall, made.username, made.role, made.clerk) == ("H01", "chen", "clerk", "c01")
    assert authenticate(db, "H01", "chen", PASSWORD) == made
    assert authenticate(db, "H01", "chen", PASSWORD + "x") is None
    assert authenticate(db, "H01", "nobody", PASSWORD) is None
    assert authenticate(db, "H77", "chen", PASSWORD) is None  # another hall has no chen
    with db.connect() as c:
        stored = c.execute(select(User.password_hash).where(User.id == made.id)).scalar_one()
        audit = c.execute(select(AuditEntry.action, AuditEntry.subject).where(AuditEntry.action == "user.create")).all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert [tuple(a) for a in audit] == [("user.create", "chen")]
    # The hall acts with the account's hall role and clerk.
    actor = made.actor()
    assert (actor.name, actor.role, actor.clerk, actor.hall) == ("chen", "clerk", "c01", "H01")


def test_a_session_holds_until_sign_out_a_new_password_or_disabling(db: Engine) -> None:
    boss = create_user(db, "H01", "boss", "manager-pass-2026", UserRole.MANAGER)
    first, second = start_session(db, boss), start_session(db, boss)
    assert session_account(db, first) == boss and session_account(db, second) == boss
    assert session_account(db, "no-such-session") is None
    end_session(db, first)  # signing out of one browser leaves the other signed in
    assert session_account(db, first) is None and session_account(db, second) == boss

    set_password(db, "H01", "boss", "manager-new-2026", by="test")
    assert session_account(db, second) is None  # whoever knew the old password is out
    third = start_session(db, boss)
    set_disabled(db, "H01", "boss", True, by="test")
    assert session_account(db, third) is None
    assert authenticate(db, "H01", "boss", "manager-new-2026") is None
    set_disabled(db, "H01", "boss", False, by="test")
    assert session_account(db, third) is None  # enabling again revives no old session
    assert session_account(db, start_session(db, boss)) == boss


def test_a_session_older_than_a_day_is_over(db: Engine) -> None:
    boss = create_user(db, "H01", "boss", "manager-pass-2026", UserRole.MANAGER)
    sid = start_session(db, boss)
    with db.begin() as c:
        c.execute(update(WebSession).where(WebSession.sid == sid).values(created_at=WebSession.created_at - 86_401))
    assert session_account(db, sid) is None
    start_session(db, boss)  # and its row is cleared away by the next sign-in
    with db.connect() as c:
        assert c.execute(select(WebSession.sid).where(WebSession.sid == sid)).first() is None


def test_the_hall_s_list_holds_its_own_accounts_by_name(db: Engine) -> None:
    create_user(db, "H01", "wang", "wang-jianguo-2026", UserRole.CLERK, "c02")
    create_user(db, "H01", "chen", PASSWORD, UserRole.CLERK, "c01")
    create_user(db, "H01", "sun", "sun-jianhua-2026", UserRole.REVIEWER, "d-education")
    create_user(db, "H77", "root", "admin-pass-2026", UserRole.ADMIN)
    assert [(u.username, u.role, u.clerk, u.disabled) for u in list_users(db, "H01")] == [
        ("chen", "clerk", "c01", False),
        ("sun", "reviewer", "d-education", False),
        ("wang", "clerk", "c02", False),
    ]
    assert [u.username for u in list_users(db, "H77")] == ["root"]


def test_a_username_is_unique_within_its_hall_and_free_at_another(db: Engine) -> None:
    create_user(db, "H01", "chen", PASSWORD, UserRole.CLERK, "c01")
    with pytest.raises(AccessError) as refused:
        create_user(db, "H01", "chen", "another-pass-2026", UserRole.MANAGER)
    assert str(refused.value) == "错误：大厅 H01 已有用户 chen / error: hall H01 already has a user chen"
    other = create_user(db, "H77", "chen", "h77-chen-pass", UserRole.CLERK, "h77-c01")
    assert authenticate(db, "H77", "chen", "h77-chen-pass") == other
    assert authenticate(db, "H01", "chen", "h77-chen-pass") is None  # each hall's chen, own password
    # The database holds the rule too (two admins adding the same name at once).
    with pytest.raises(IntegrityError), db.begin() as c:
        c.execute(insert(User).values(hall="H01", username="chen", password_hash="x", role="clerk", clerk="c01",
                                      disabled=False, created_at=datetime.now(UTC)))


@pytest.mark.parametrize(
    ("hall", "username", "password", "role", "clerk", "said"),
    [
        ("H01", "li", PASSWORD, "cashier", None, "role must be one of clerk, reviewer, manager, admin"),
        ("H01", " li", PASSWORD, "manager", None, "the username must be 1 to 64 printable characters"),
        ("H01", "li", "short", "manager", None, "the password needs at least 8 characters"),
        ("H01", "li", PASSWORD, "clerk", None, "a clerk account needs --clerk"),
        ("H77", "li", PASSWORD, "clerk", "c01", "hall H77 has no clerk c01"),  # H01's clerk
    ],
)
def test_a_bad_account_is_refused_in_both_languages(
    db: Engine, hall: str, username: str, password: str, role: str, clerk: str | None, said: str
) -> None:
    with pytest.raises(AccessError) as refused:
        create_user(db, hall, username, password, role, clerk)
    assert str(refused.value).startswith("错误：") and said in str(refused.value)
    assert list_users(db, hall) == []


def test_a_hash_of_older_parameters_is_renewed_at_the_next_sign_in(db: Engine) -> None:
    made = create_user(db, "H01", "chen", PASSWORD, UserRole.CLERK, "c01")
    old = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    with db.begin() as c:
        c.execute(update(User).where(User.id == made.id).values(password_hash=old))
    assert authenticate(db, "H01", "chen", PASSWORD) == made
    with db.connect() as c:
        renewed = c.execute(select(User.password_hash).where(User.id == made.id)).scalar_one()
    assert renewed != old and not PasswordHasher().check_needs_rehash(renewed)
    assert authenticate(db, "H01", "chen", PASSWORD) == made


def test_a_city_admin_signs_in_at_every_hall_and_acts_for_none_in_particular(db: Engine) -> None:
    city = create_user(db, None, "city", "city-admin-2026", UserRole.ADMIN)
    assert city.hall is None
    for hall in ("H01", "H77"):
        assert authenticate(db, hall, "city", "city-admin-2026") == city
    assert city.actor().hall is None  # as a city admin's token: every hall's server takes it
    assert [u.username for u in list_users(db, None)] == ["city"]
    assert list_users(db, "H01") == [] and list_users(db, "H77") == []  # not one hall's staff
    set_disabled(db, None, "city", True, by="test")
    assert authenticate(db, "H01", "city", "city-admin-2026") is None


def test_a_city_admin_s_name_is_nobody_else_s_at_any_hall(db: Engine) -> None:
    create_user(db, "H77", "zhao", "h77-manager-2026", UserRole.MANAGER)
    with pytest.raises(AccessError) as refused:
        create_user(db, None, "zhao", "city-admin-2026", UserRole.ADMIN)
    assert "hall H77 already has a user zhao" in str(refused.value)
    create_user(db, None, "city", "city-admin-2026", UserRole.ADMIN)
    with pytest.raises(AccessError) as refused:
        create_user(db, "H01", "city", "another-pass-2026", UserRole.MANAGER)
    assert str(refused.value) == "错误：本市所有大厅已有用户 city / error: the city already has a user city"
    for role, clerk in ((UserRole.MANAGER, None), (UserRole.ADMIN, "c01")):
        with pytest.raises(AccessError) as refused:
            create_user(db, None, "li", "city-admin-2026", role, clerk)
        assert "only an admin's account (with no clerk) works at every hall" in str(refused.value)
