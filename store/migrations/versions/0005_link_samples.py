"""link samples: RTT and throughput over the last hour, for the sync console

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("rtt_s", sa.Float(), nullable=True),
        sa.Column("throughput_bps", sa.Float(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("link_samples", schema=None) as batch_op:
        batch_op.create_index("ix_link_samples_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_link_samples_at")
    op.drop_table("link_samples")
