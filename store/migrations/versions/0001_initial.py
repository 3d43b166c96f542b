"""initial schema: station, operators, enrollments, items, timeline, audit

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 07:21:57.474850
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("reg_no", sa.String(length=40), nullable=True),
        sa.Column("station_seq", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("draft_step", sa.String(length=20), nullable=True),
        sa.Column("nik_index", sa.LargeBinary(length=16), nullable=False),
        sa.Column("name_search", sa.String(length=120), nullable=False),
        sa.Column("demographics", sa.LargeBinary(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("corrects_uuid", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("sealed_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reg_no"),
        sa.UniqueConstraint("station_seq"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index("ix_enrollments_name_search", ["name_search"], unique=False)
        batch_op.create_index("ix_enrollments_nik_index", ["nik_index"], unique=False)
        batch_op.create_index("ix_enrollments_state", ["state"], unique=False)

    op.create_table(
        "biometric_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=True),
        sa.Column("quality", sa.Float(), nullable=True),
        sa.Column("exception_reason", sa.String(length=16), nullable=True),
        sa.Column("exception_note", sa.String(length=200), nullable=True),
        sa.Column("approved_by", sa.String(length=40), nullable=True),
        sa.Column("device_driver", sa.String(length=40), nullable=True),
        sa.Column("device_model", sa.String(length=80), nullable=True),
        sa.Column("device_serial", sa.String(length=80), nullable=True),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("payload_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrollment_id", "kind"),
    )
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.create_index("ix_status_events_enrollment", ["enrollment_id", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_index("ix_status_events_enrollment")

    op.drop_table("status_events")
    op.drop_table("biometric_items")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_state")
        batch_op.drop_index("ix_enrollments_nik_index")
        batch_op.drop_index("ix_enrollments_name_search")

    op.drop_table("enrollments")
    op.drop_table("station")
    op.drop_table("operators")
    op.drop_table("audit_events")
