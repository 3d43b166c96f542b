"""sync columns and sync info

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:05:42.519899
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sync_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.String(length=32), nullable=True),
        sa.Column("last_attempt_at", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("watermark", sa.Integer(), nullable=False),
        sa.Column("gaps", sa.Text(), nullable=False),
        sa.Column("rtt_s", sa.Float(), nullable=True),
        sa.Column("throughput_bps", sa.Float(), nullable=True),
        sa.Column("link_state", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("packet_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("packet_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("upload_offset", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("receipt_id", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("server_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("received_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("downstream", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("reject_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("exported_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("packet_deleted_at", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_enrollments_state_seq", ["state", "station_seq"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_state_seq")
        batch_op.drop_column("packet_deleted_at")
        batch_op.drop_column("exported_at")
        batch_op.drop_column("reject_reason")
        batch_op.drop_column("downstream")
        batch_op.drop_column("received_at")
        batch_op.drop_column("server_seq")
        batch_op.drop_column("receipt_id")
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("upload_offset")
        batch_op.drop_column("packet_size")
        batch_op.drop_column("packet_sha256")

    op.drop_table("sync_info")
