"""Halls do not reach each other: tokens, device names and catalogue versions belong to a hall.

- ``api_tokens.hall``: the hall a token works at; NULL only for a city admin's token. Tokens
  made before this revision get their clerk's hall, or else the database's only hall ('H01'
  when there are none or several): a manager token no longer works at every hall of the city.
- ``devices``: a name is unique within its hall, not across the city.
- ``catalogue_versions``: keyed by (hall, version). Until now every hall of a database read
  the one shared catalogue, so each hall gets a copy of the versions it used to read.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: SQLite names no constraint it was given unnamed; this names the reflected ones so batch
#: mode can drop them (PostgreSQL named them <table>_<column>_key and <table>_pkey).
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s"}


def _halls(bind: sa.Connection) -> list[str]:
    return list(bind.execute(sa.text("SELECT code FROM halls ORDER BY code")).scalars())


def _home_hall(halls: list[str]) -> str:
    return halls[0] if len(halls) == 1 else "H01"


def _constraint(bind: sa.Connection, sqlite: str, postgres: str) -> str:
    return sqlite if bind.dialect.name == "sqlite" else postgres


def upgrade() -> None:
    bind = op.get_bind()
    halls = _halls(bind)
    home = _home_hall(halls)
    _scope_tokens(bind, home)
    _scope_device_names(bind)
    _scope_catalogue(bind, home, halls)


def _scope_tokens(bind: sa.Connection, home: str) -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("hall", sa.String(length=16), nullable=True))
    bind.execute(
        sa.text("UPDATE api_tokens SET hall = (SELECT clerks.hall FROM clerks WHERE clerks.id = api_tokens.clerk)")
    )
    bind.execute(sa.text("UPDATE api_tokens SET hall = :home WHERE hall IS NULL"), {"home": home})


def _scope_device_names(bind: sa.Connection) -> None:
    with op.batch_alter_table("devices", naming_convention=SQLITE_NAMES) as batch:
        batch.drop_constraint(_constraint(bind, "uq_devices_name", "devices_name_key"), type_="unique")
        batch.create_unique_constraint("uq_devices_hall_name", ["hall", "name"])


def _scope_catalogue(bind: sa.Connection, home: str, halls: list[str]) -> None:
    with op.batch_alter_table("catalogue_versions") as batch:
        batch.add_column(sa.Column("hall", sa.String(length=16), nullable=True))
    bind.execute(sa.text("UPDATE catalogue_versions SET hall = :home"), {"home": home})
    pk = _constraint(bind, "pk_catalogue_versions", "catalogue_versions_pkey")
    with op.batch_alter_table("catalogue_versions", naming_convention=SQLITE_NAMES, recreate="always") as batch:
        batch.alter_column("hall", existing_type=sa.String(length=16), nullable=False)
        batch.drop_constraint(pk, type_="primary")
        batch.create_primary_key(pk, ["hall", "version"])
    for other in (h for h in halls if h != home):
        bind.execute(
            sa.text(
                "INSERT INTO catalogue_versions (hall, version, published_at, published_by, content_hash, document) "
                "SELECT :other, version, published_at, published_by, content_hash, document "
                "FROM catalogue_versions WHERE hall = :home"
            ),
            {"other": other, "home": home},
        )


def downgrade() -> None:
    # Back to one catalogue for all: the home hall's versions stay, the copies go.
    bind = op.get_bind()
    home = _home_hall(_halls(bind))
    bind.execute(sa.text("DELETE FROM catalogue_versions WHERE hall <> :home"), {"home": home})
    pk = _constraint(bind, "pk_catalogue_versions", "catalogue_versions_pkey")
    with op.batch_alter_table("catalogue_versions", naming_convention=SQLITE_NAMES, recreate="always") as batch:
        batch.drop_constraint(pk, type_="primary")
        batch.create_primary_key(pk, ["version"])
        batch.drop_column("hall")
    with op.batch_alter_table("devices", naming_convention=SQLITE_NAMES) as batch:
        batch.drop_constraint("uq_devices_hall_name", type_="unique")
        batch.create_unique_constraint(_constraint(bind, "uq_devices_name", "devices_name_key"), ["name"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("hall")
