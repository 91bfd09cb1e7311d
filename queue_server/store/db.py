"""Database engines: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///var/hall.db"
log = logging.getLogger("queue_server.store")


def make_engine(url: str = DEFAULT_URL) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets readers (reports, the CLI) run beside the single writer; FULL makes
            # every acknowledged commit survive a power cut, which is our promise to visitors.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # No checkpoint inside a commit: the commit that crossed the threshold would copy
            # megabytes and fsync the database while every visitor waits. WalCheckpointer
            # does it beside the writer; SQLite also checkpoints when the last connection closes.
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        return eng
    if u.get_backend_name() == "postgresql" and u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    # A server that went away is noticed when a connection is taken (pre-ping), and one that
    # does not answer is given up after a few seconds, so the hall answers 'unavailable'
    # quickly instead of hanging on a dead connection.
    args = dict(u.query)
    connect_args = {} if "connect_timeout" in args else {"connect_timeout": 3}
    return create_engine(u, pool_pre_ping=True, connect_args=connect_args)


class WalCheckpointer:
    """Copies the SQLite write-ahead log into the database every ``interval`` seconds from its
    own thread and connection (PASSIVE: never blocks the writer). No-op for PostgreSQL."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.engine.dialect.name != "sqlite":
            return
        self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failures = 0
        while not self._stop.wait(self.interval):
            try:
                # A connection per round: one that failed (a full disk, a removed file) is not
                # kept, and the thread lives on until the store works again.
                with self.engine.connect() as c:
                    c.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
                failures = 0
            except Exception as e:  # busy, full or closing: the next round will do it
                failures += 1
                if failures in (1, 10) or failures % 600 == 0:
                    log.warning("WAL checkpoint skipped (%d in a row): %s", failures, e)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command

    from .migrations import alembic_config

    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
