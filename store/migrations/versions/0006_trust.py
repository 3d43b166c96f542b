"""trust: the centre's signed verdict on each record, and first-login password change

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_proof", sa.Text(), nullable=True))
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("receipt_proof")
