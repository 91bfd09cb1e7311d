"""Checks that catch a broken set-up: bootstrap, requirements, the test PostgreSQL, CI entry."""

from __future__ import annotations

import contextlib
import os
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import sqlalchemy as sa
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
OPENCV_DISTS = {
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
}


def requirements() -> list[Requirement]:
    reqs = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            reqs.append(Requirement(line))
    return reqs


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


# --- bootstrap --------------------------------------------------------------------------


def test_bootstrap_second_run_has_nothing_to_do():
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh")],
        env={**os.environ, "BOOTSTRAP_DRY_RUN": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "would" not in proc.stdout, proc.stdout
    assert "nothing missing" in proc.stdout, proc.stdout


# --- requirements.txt -----------------------------------------------------------------


def test_every_requirement_has_an_upper_bound():
    reqs = requirements()
    assert reqs
    unbounded = [
        str(r) for r in reqs
        if not any(s.operator in ("<", "<=", "==", "===", "~=") for s in r.specifier)
    ]
    assert not unbounded, f"requirements without an upper bound: {unbounded}"


def test_requirements_list_each_package_once_and_one_opencv_at_most():
    names = [canonical(r.name) for r in requirements()]
    assert len(names) == len(set(names)), f"listed twice: {sorted(n for n in names if names.count(n) > 1)}"
    opencv = OPENCV_DISTS & set(names)
    assert len(opencv) <= 1, f"several OpenCV distributions conflict on cv2: {sorted(opencv)}"


def test_installed_packages_satisfy_requirements():
    wrong = []
    for req in requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{req.name}: not installed")
            continue
        if not req.specifier.contains(version, prereleases=True):
            wrong.append(f"{req.name} {version} is not {req.specifier}")
    assert not wrong, "run scripts/bootstrap.sh: " + "; ".join(wrong)


# --- CI entry and Makefile ---------------------------------------------------------------


def test_ci_run_is_executable_and_runs_make_test():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    assert "make test" in ci.read_text()


def test_makefile_targets_exist():
    for target in ("test", "demo", "lint", "bench", "clean"):
        proc = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
        assert proc.returncode == 0, f"make -n {target}: {proc.stderr}"


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_answers_through_sqlalchemy_and_psycopg(pg_server_url):
    assert pg_server_url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(pg_server_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
        assert version.startswith("PostgreSQL ")
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_pg_url_databases_are_distinct_and_empty(pg_url, pg_module_url):
    assert pg_url != pg_module_url
    engines = [sa.create_engine(pg_url), sa.create_engine(pg_module_url)]
    try:
        names = []
        for engine in engines:
            with engine.begin() as conn:
                names.append(conn.execute(sa.text("select current_database()")).scalar_one())
                assert sa.inspect(conn).get_table_names() == []
        assert names[0] != names[1]
        with engines[0].begin() as conn:
            conn.execute(sa.text("create table only_here (id int)"))
        with engines[1].connect() as conn:
            assert "only_here" not in sa.inspect(conn).get_table_names()
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.postgres
def test_fresh_database_is_dropped_afterwards(pg_server_url):
    from tests.support.postgres import temporary_database

    engine = sa.create_engine(pg_server_url)
    try:
        with temporary_database(pg_server_url, prefix="hall_drop") as url:
            name = sa.engine.make_url(url).database
            with engine.connect() as conn:
                assert conn.execute(
                    sa.text("select count(*) from pg_database where datname = :n"), {"n": name}
                ).scalar_one() == 1
            # a connection left open must not prevent the drop
            held = sa.create_engine(url, poolclass=sa.pool.NullPool)
            held_conn = held.connect()
            held_conn.execute(sa.text("select 1"))
        with engine.connect() as conn:
            assert conn.execute(
                sa.text("select count(*) from pg_database where datname = :n"), {"n": name}
            ).scalar_one() == 0
        with contextlib.suppress(sa.exc.DBAPIError):
            held_conn.close()
        held.dispose()
    finally:
        engine.dispose()
