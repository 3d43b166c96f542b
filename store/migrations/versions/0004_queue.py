"""counter queue: tickets and appointments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("slot", sa.String(length=11), nullable=False),
        sa.Column("name_search", sa.String(length=120), nullable=False),
        sa.Column("nik_index", sa.LargeBinary(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("imported_by", sa.String(length=40), nullable=True),
        sa.Column("checked_in_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "nik_index", name="uq_appointments_day_nik"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index("ix_appointments_day_slot", ["day", "slot"], unique=False)

    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.String(length=32), nullable=False),
        sa.Column("issued_by", sa.String(length=40), nullable=True),
        sa.Column("waiting_since", sa.String(length=32), nullable=False),
        sa.Column("called_at", sa.String(length=32), nullable=True),
        sa.Column("called_by", sa.String(length=40), nullable=True),
        sa.Column("served_at", sa.String(length=32), nullable=True),
        sa.Column("record_uuid", sa.String(length=36), nullable=True),
        sa.Column("no_show_at", sa.String(length=32), nullable=True),
        sa.Column("requeues", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id"),
        sa.UniqueConstraint("day", "seq", name="uq_queue_tickets_day_seq"),
    )
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.create_index("ix_queue_tickets_day_state_position", ["day", "state", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_tickets_day_state_position")
    op.drop_table("queue_tickets")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_day_slot")
    op.drop_table("appointments")
