"""every text a post was attempted with; drafting failures per comment

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("attempted_texts", sa.JSON(), nullable=False,
                                   server_default="[]"))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("tries", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("last_error")
        batch.drop_column("tries")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("attempted_texts")
