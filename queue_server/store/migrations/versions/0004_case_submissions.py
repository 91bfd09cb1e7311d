"""Request keys of case submissions: a retried submit finds the case it made.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_submissions",
        sa.Column("request_key", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_submissions")
