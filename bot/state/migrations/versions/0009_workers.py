"""workers: who is running, leases on feeds and on comments being drafted, shared pacing

Revision ID: 0009_workers
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_workers"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("claim_owner", sa.String(length=255), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "pacing",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("next_post_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform"),
    )
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("drafting_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("drafting_until", sa.DateTime(), nullable=True))
    op.create_index("ix_comments_drafting_by", "comments", ["drafting_by"])


def downgrade() -> None:
    op.drop_index("ix_comments_drafting_by", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("drafting_until")
        batch.drop_column("drafting_by")
    op.drop_table("pacing")
    op.drop_table("leases")
    op.drop_table("workers")
