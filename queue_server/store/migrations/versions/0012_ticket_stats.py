"""Queue reports: ``tickets.started_at`` (when the visitor came to the window, filled here
from the ``ticket.started`` events already recorded), the day counts of the queue report
(``ticket_stat_days`` per item and per clerk, ``ticket_hour_days`` per hour) and the days they are
made for (``ticket_stat_built``), and a partial index of the tickets still open
(``ix_tickets_open``: which days a report must count again).

The day counts are not filled here: they need the hall's time zone and its catalogue's wait
targets, which the database does not have. ``store.queuestats`` makes a day's counts the first
time a report covers it.

Measured with bench/web.py --only reports over a year of 1,000,000 tickets (see README).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The last start: a transferred ticket is served again at its new window.
BACKFILL = """
UPDATE tickets SET started_at = (
    SELECT MAX(e.at) FROM hall_events e
    WHERE e.ticket = tickets.id AND e.hall = tickets.hall AND e.type = 'ticket.started'
)
WHERE state IN ('serving', 'done')
"""

# store.models.OPEN_TICKETS as of this revision
OPEN_TICKETS = "state IN ('waiting', 'called', 'serving')"

WAIT_BUCKETS = [f"w{i}" for i in range(8)]
SERVICE_BUCKETS = [f"s{i}" for i in range(9)]


def upgrade() -> None:
    op.add_column("tickets", sa.Column("started_at", sa.Float(), nullable=True))
    op.execute(BACKFILL)
    op.create_index(
        "ix_tickets_open",
        "tickets",
        ["hall", "day"],
        sqlite_where=sa.text(OPEN_TICKETS),
        postgresql_where=sa.text(OPEN_TICKETS),
    )
    op.create_table(
        "ticket_stat_days",
        sa.Column("hall", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("arrivals", "called", "served", "no_shows", "cancelled", "transferred", "transfers",
                         "timed", "within_target")
        ],
        sa.Column("wait_sum", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in WAIT_BUCKETS],
        sa.Column("service_sum", sa.Float(), nullable=False),
        sa.Column("service_max", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SERVICE_BUCKETS],
        sa.PrimaryKeyConstraint("hall", "day", "kind", "code"),
    )
    op.create_table(
        "ticket_hour_days",
        sa.Column("hall", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("arrivals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hall", "day", "hour"),
    )
    op.create_table(
        "ticket_stat_built",
        sa.Column("hall", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hall", "day"),
    )


def downgrade() -> None:
    op.drop_table("ticket_stat_built")
    op.drop_table("ticket_hour_days")
    op.drop_table("ticket_stat_days")
    op.drop_index("ix_tickets_open", table_name="tickets")
    op.drop_column("tickets", "started_at")
