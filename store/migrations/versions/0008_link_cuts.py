"""link cuts: the cut rate, the chunk size in use and when bytes last stuck at the centre

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_info", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cut_rate", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("chunk_bytes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_progress_at", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_info", schema=None) as batch_op:
        batch_op.drop_column("last_progress_at")
        batch_op.drop_column("chunk_bytes")
        batch_op.drop_column("cut_rate")
