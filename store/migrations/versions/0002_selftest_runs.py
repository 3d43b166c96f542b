"""selftest runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:36:30.212713
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "selftest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("technician", sa.String(length=60), nullable=False),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.Column("driver", sa.String(length=40), nullable=True),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("selftest_runs", schema=None) as batch_op:
        batch_op.create_index("ix_selftest_runs_at", ["at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("selftest_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_selftest_runs_at")

    op.drop_table("selftest_runs")
