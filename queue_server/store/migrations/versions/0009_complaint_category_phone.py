"""A complaint's category (投诉类别) and the phone number to answer on (encrypted).

Until now the kiosk wrote both into the complaint's text (``【服务态度】…（联系电话 138…）``).
Complaints filed before this revision get the category "other" and no phone: their text is
left as it is (the number in it was never encrypted; a migration has no data key to move it).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("category", sa.String(length=12), server_default="other", nullable=False))
        batch.add_column(sa.Column("phone_cipher", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("phone_cipher")
        batch.drop_column("category")
