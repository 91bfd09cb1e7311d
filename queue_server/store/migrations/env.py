"""Alembic environment: runs on the connection the caller passes (``store.db.migrate``),
or on ``sqlalchemy.url`` for ``alembic revision --autogenerate`` during development."""

from alembic import context
from sqlalchemy import create_engine

from queue_server.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


run()
