"""Captured pages of kiosk applications: uploads in chunks, complete pages by SHA-256, case pages.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_uploads",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("mime", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("hall", sa.String(16), nullable=True),
        sa.Column("kiosk", sa.String(64), nullable=False),
    )
    op.create_index("ix_page_uploads_started_at", "page_uploads", ["started_at"])
    op.create_index("ix_page_uploads_kiosk", "page_uploads", ["kiosk"])
    op.create_table(
        "page_chunks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_table(
        "page_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("mime", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.Float(), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.Column("hall", sa.String(16), nullable=True),
        sa.Column("kiosk", sa.String(64), nullable=False),
    )
    op.create_index("ix_page_blobs_seen_at", "page_blobs", ["seen_at"])
    op.create_table(
        "case_pages",
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("material", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("mime", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.Float(), nullable=False),
        sa.Column("hall", sa.String(16), nullable=True),
        sa.Column("kiosk", sa.String(64), nullable=False),
    )
    op.create_index("ix_case_pages_sha256", "case_pages", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_case_pages_sha256", "case_pages")
    op.drop_table("case_pages")
    op.drop_index("ix_page_blobs_seen_at", "page_blobs")
    op.drop_table("page_blobs")
    op.drop_table("page_chunks")
    op.drop_index("ix_page_uploads_kiosk", "page_uploads")
    op.drop_index("ix_page_uploads_started_at", "page_uploads")
    op.drop_table("page_uploads")
