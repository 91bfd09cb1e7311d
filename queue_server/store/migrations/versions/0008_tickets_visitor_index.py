"""A returning visitor's tickets by (id_hash, hall, issued_at).

The first-inquiry read runs in the hall loop for every ticket issued with an ID card. With
only ``ix_tickets_id_hash`` SQLite chose ``ix_tickets_hall_state`` and read every ticket of
the hall: bench/queue_server.py issued 335 tickets/s with ID cards against 3,531 without.
The new index leads with ``id_hash``, so it replaces the old one.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_id_hash")
        batch.create_index("ix_tickets_visitor", ["id_hash", "hall", "issued_at"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_visitor")
        batch.create_index("ix_tickets_id_hash", ["id_hash"])
