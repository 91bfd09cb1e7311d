"""告知承诺 verification on the case row: its due day and result, so a department lists the
checks it owes with one indexed query.

Commitment-based cases approved before this revision keep NULL here (their checks stay in the
case log and the case view); there were none outside tests and demos.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("verify_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("verified", sa.Boolean(), nullable=True))
        batch.create_index("ix_cases_verify", ["lead_department", "verified", "verify_due"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_verify")
        batch.drop_column("verified")
        batch.drop_column("verify_due")
