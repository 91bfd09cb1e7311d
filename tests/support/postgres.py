"""A PostgreSQL server for tests, without relying on any server already running.

    with postgres_server() as url:          # postgresql+psycopg://postgres@127.0.0.1:PORT/hall
        db = fresh_database(url)            # a new, uniquely named database on that server
        ...
        drop_database(db)

If the environment variable HALL_TEST_PG_URL is set, that server is used as it is.
Otherwise a private throwaway cluster is made with the newest /usr/lib/postgresql/*/bin:
initdb in a temp dir (as the `postgres` system user when running as root, since the
server refuses to run as root; a system user `hallpg` is created if there is none),
listening on 127.0.0.1 on a free port and on a unix socket in the temp dir, fsync off,
trust auth. It is stopped (`pg_ctl stop -m immediate`) and deleted at the end; a small
watchdog process does the same if the test process dies without cleaning up.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

ENV_URL = "HALL_TEST_PG_URL"
DEFAULT_DB = "hall"
FALLBACK_USER = "hallpg"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL could be started or reached."""


# --- URLs ---------------------------------------------------------------------------


def normalize_url(url: str | URL) -> URL:
    """Parse a URL, and make plain postgresql:// URLs use the psycopg (3) driver."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def url_str(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _admin_engine(url: str | URL) -> sa.Engine:
    return sa.create_engine(normalize_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)


_created: dict[str, str] = {}  # database URL made by fresh_database -> the URL it was made from


def fresh_database(url: str | URL, prefix: str = "hall_t") -> str:
    """Create a new, uniquely named, empty database on the server of `url`; return its URL."""
    base = normalize_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"bad database name prefix: {prefix!r}")
    engine = _admin_engine(base)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    new = url_str(base.set(database=name))
    _created[new] = url_str(base)
    return new


def drop_database(url: str | URL) -> None:
    """Drop a database made by fresh_database (its open connections are terminated first)."""
    target = normalize_url(url)
    name = target.database
    admin = _created.pop(url_str(target), None) or url_str(target.set(database="postgres"))
    engine = _admin_engine(admin)
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        engine.dispose()


@contextlib.contextmanager
def temporary_database(url: str | URL, prefix: str = "hall_t") -> Iterator[str]:
    """fresh_database() for the duration of a with-block."""
    db = fresh_database(url, prefix)
    try:
        yield db
    finally:
        drop_database(db)


# --- a private cluster ----------------------------------------------------------------


def find_bindir() -> Path:
    """Directory of initdb/pg_ctl: newest /usr/lib/postgresql/*/bin, else pg_ctl on PATH."""

    def version(p: str) -> tuple[int, ...]:
        m = re.search(r"/postgresql/([\d.]+)/bin$", p)
        return tuple(int(x) for x in m.group(1).split(".") if x) if m else (0,)

    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(os.path.join(cand, "initdb"), os.X_OK) and os.access(
            os.path.join(cand, "pg_ctl"), os.X_OK
        ):
            return Path(cand)
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; "
        "run scripts/bootstrap.sh (Debian package postgresql), or set HALL_TEST_PG_URL"
    )


def _server_user() -> str | None:
    """The user to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    subprocess.run(
        ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        check=True,
    )
    return FALLBACK_USER


def _as_user(cmd: list[str], user: str | None) -> list[str]:
    if user is None:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *cmd]
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *cmd]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Runs beside the test process; when the pipe from it closes (normal stop, crash, kill -9),
# stops the server and deletes the cluster if that has not happened yet.
_WATCHDOG = r"""
import os, shutil, subprocess, sys
pg_ctl, datadir, tmpdir, *as_user = sys.argv[1:]
sys.stdin.buffer.read()
if os.path.exists(os.path.join(datadir, "postmaster.pid")):
    subprocess.run(as_user + [pg_ctl, "-D", datadir, "-m", "immediate", "-w", "stop"],
                   cwd=tmpdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
shutil.rmtree(tmpdir, ignore_errors=True)
"""


class PostgresCluster:
    """A throwaway PostgreSQL cluster: start() -> URL, stop() removes everything."""

    def __init__(self, dbname: str = DEFAULT_DB, port: int | None = None) -> None:
        self.dbname = dbname
        self.wanted_port = port
        self.bindir = find_bindir()
        self.user = _server_user()
        self.tmpdir: Path | None = None
        self.port: int | None = None
        self.url: str | None = None
        self._watchdog: subprocess.Popen | None = None

    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "data"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = _as_user([str(self.bindir / args[0]), *args[1:]], self.user)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for var in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS"):
            env.pop(var, None)
        return subprocess.run(cmd, cwd=self.tmpdir, env=env, capture_output=True, text=True,
                              timeout=timeout)

    def _check(self, proc: subprocess.CompletedProcess, what: str) -> None:
        if proc.returncode != 0:
            log = ""
            logfile = self.tmpdir / "server.log" if self.tmpdir else None
            if logfile and logfile.exists():
                log = "\n--- server.log ---\n" + logfile.read_text(errors="replace")[-3000:]
            raise PostgresUnavailable(
                f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}{log}"
            )

    def start(self) -> str:
        base = "/tmp" if os.access("/tmp", os.W_OK) else None  # short path: unix sockets <108 bytes
        self.tmpdir = Path(tempfile.mkdtemp(prefix="hall-pg-", dir=base))
        if self.user:
            shutil.chown(self.tmpdir, self.user, self.user)
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self.bindir / "pg_ctl"), str(self.datadir),
             str(self.tmpdir), *_as_user([], self.user)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        atexit.register(self.stop)
        try:
            self._check(
                self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--no-locale", "--no-sync"),
                "initdb",
            )
            for attempt in range(5):
                self.port = self.wanted_port or _free_port()
                with open(self.datadir / "postgresql.conf", "a") as conf:
                    conf.write(
                        "\n# --- hall tests ---\n"
                        f"port = {self.port}\n"
                        "listen_addresses = '127.0.0.1'\n"
                        f"unix_socket_directories = '{self.tmpdir}'\n"
                        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                        "max_connections = 200\n"
                    )
                proc = self._run("pg_ctl", "-D", str(self.datadir), "-l",
                                 str(self.tmpdir / "server.log"), "-w", "-t", "60", "start")
                if proc.returncode == 0:
                    break
                if self.wanted_port or attempt == 4:  # else: port taken meanwhile? try another
                    self._check(proc, "pg_ctl start")
            server = URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1",
                                port=self.port, database="postgres")
            engine = _admin_engine(server)
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{self.dbname}"')
            finally:
                engine.dispose()
        except BaseException:
            self.stop()
            raise
        self.url = url_str(server.set(database=self.dbname))
        return self.url

    def halt(self) -> None:
        """Stop the server as an outage would (fast shutdown: every connection is cut),
        keeping the cluster for ``resume``."""
        self._check(self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop"), "pg_ctl stop")

    def resume(self) -> None:
        """Start the server again after ``halt``, on the same port."""
        self._check(
            self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.tmpdir / "server.log"), "-w", "-t", "60", "start"),
            "pg_ctl start",
        )

    def stop(self) -> None:
        """Stop the server at once and delete the cluster. Safe to call more than once."""
        if self.tmpdir is None:
            return
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.tmpdir = None
        if self._watchdog is not None:
            with contextlib.suppress(Exception):
                self._watchdog.stdin.close()
                self._watchdog.wait(timeout=30)
            self._watchdog = None
        atexit.unregister(self.stop)


@contextlib.contextmanager
def postgres_server(dbname: str = DEFAULT_DB) -> Iterator[str]:
    """URL (postgresql+psycopg://...) of a usable database: HALL_TEST_PG_URL, or a private cluster."""
    external = os.environ.get(ENV_URL)
    if external:
        yield url_str(normalize_url(external))
        return
    cluster = PostgresCluster(dbname)
    url = cluster.start()
    try:
        yield url
    finally:
        cluster.stop()
