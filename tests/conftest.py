"""Shared fixtures. Imports nothing from the project's own packages.

PostgreSQL (tests marked @pytest.mark.postgres; tests using these fixtures get the marker
automatically, so `-m "not postgres"` skips them and no server is started):
    pg_server_url   session: URL of a database on a private throwaway server (or HALL_TEST_PG_URL)
    pg_url          function: URL of a fresh empty database, dropped after the test
    pg_module_url   module: URL of a fresh empty database shared by one test module
SQLite:
    sqlite_url      function: sqlite:///<tmp_path>/hall.db
Both:
    database_url    function, parametrized [sqlite] and [postgres]: a fresh empty database,
                    sqlite_url or pg_url; the [postgres] run carries the postgres marker. For a
                    check that must hold on either database: write the test once with it.
Engines:
    engines         function: a list to put the SQLAlchemy engines a test makes in; disposed after it
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

# Every reply the suite sees is checked against its model (protocol.models), in this process
# and in every hall process a test starts (they inherit the environment). Set here, not in
# tests/__init__.py: the benchmarks import tests.support and must measure without the checks.
os.environ["HALL_CHECK_REPLIES"] = "1"

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.support.postgres import postgres_server, temporary_database


def _compile_project() -> None:
    """Compile the project's modules to their ``__pycache__`` once, before any test runs.

    The suite starts hundreds of Python processes (halls, the command line, kiosks, the
    import checks). Where PYTHONDONTWRITEBYTECODE is set, none of them writes bytecode, so
    each compiled every project module it imported from source again (about 0.3 s of CPU a
    process). They still read bytecode that is there: made here, checked against each
    source's mtime and size as always, so an edited module is compiled afresh."""
    root = Path(__file__).resolve().parents[1]
    for top in sorted(root.iterdir()):
        if (top / "__init__.py").is_file() and not top.name.startswith("."):
            compileall.compile_dir(top, quiet=2, workers=1)


_compile_project()

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


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """URL of a fresh empty database, once on SQLite (a file under tmp_path) and once on
    PostgreSQL (a database of its own on the test server, dropped after the test)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for e in made:
        e.dispose()
