"""Case reports over the whole history: 三四三 counts per closing day and tier
(``case_tier_days``, filled here from the closed cases and kept by the case store from then on)
and a partial covering index of the cases with no decision yet for the supervision list.

Measured with bench/cases.py over 1M closed and 50k open cases (see README, benchmarks).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN_CASE_COLUMNS = [
    "state", "yellow_on", "red_on", "card", "held_remaining", "due_ordinal", "due", "promised_days",
    "item_code", "lead_department", "first_inquiry_clerk", "id", "completed_on",
]

# casereports.recount_tier_days as of this revision: the closing day in China Standard Time
# (UTC+8, days from 1970-01-01; the CAST truncates on SQLite and rounds on PostgreSQL, the
# bounds put it right) and reports.case_tier.
BACKFILL = """
INSERT INTO case_tier_days (closed_day, tier, cases)
SELECT closed_day, tier, count(*) FROM (
    SELECT
        CASE WHEN closed_at < raw * 86400 - 28800 THEN raw - 1
             WHEN closed_at >= (raw + 1) * 86400 - 28800 THEN raw + 1
             ELSE raw END AS closed_day,
        CASE WHEN used_days <= 0 THEN 'on_the_spot'
             WHEN used_days <= 5 THEN 'within_5_days'
             WHEN 2 * used_days <= statutory_days THEN 'halved'
             ELSE 'slow' END AS tier
    FROM (
        SELECT closed_at, used_days, statutory_days, CAST((closed_at + 28800) / 86400 AS BIGINT) AS raw
        FROM cases
        WHERE outcome IN ('handed_out', 'rejected') AND closed_at IS NOT NULL AND used_days IS NOT NULL
    ) AS closed_cases
) AS tiers
GROUP BY closed_day, tier
"""


def upgrade() -> None:
    op.create_table(
        "case_tier_days",
        sa.Column("closed_day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("closed_day", "tier"),
    )
    op.execute(BACKFILL)
    op.create_index(
        "ix_cases_open",
        "cases",
        OPEN_CASE_COLUMNS,
        sqlite_where=sa.text("completed_on IS NULL"),
        postgresql_where=sa.text("completed_on IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_open", table_name="cases")
    op.drop_table("case_tier_days")
