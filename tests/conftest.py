"""Shared fixtures. Imports nothing from the project's own packages.

PostgreSQL (tests marked @pytest.mark.postgres; tests using these fixtures get the marker
automatically, so `-m "not postgres"` skips them and no server is started):
    pg_server_url   session: URL of a database on a private throwaway server (or HALL_TEST_PG_URL)
    pg_url          function: URL of a fresh empty database, dropped after the test
    pg_module_url   module: URL of a fresh empty database shared by one test module
SQLite:
    sqlite_url      function: sqlite:///<tmp_path>/hall.db
Engines:
    engines         function: a list to put the SQLAlchemy engines a test makes in; disposed after it
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.support.postgres import postgres_server, temporary_database

PG_FIXTURES = {"pg_server_url", "pg_url", "pg_module_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    with temporary_database(pg_server_url) as url:
        yield url


@pytest.fixture(scope="module")
def pg_module_url(pg_server_url: str) -> Iterator[str]:
    with temporary_database(pg_server_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/hall.db"


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for e in made:
        e.dispose()
