"""Benefits soft delete: a deleted benefit leaves the register, its totals and Gate 4, and can be restored.

Revision ID: 0ce343077fc4
Revises: 83c1bc404440
Create Date: 2026-11-25 23:48:38.430029

"""
from alembic import op
import sqlalchemy as sa

import pmo_web.models.base


# revision identifiers, used by Alembic.
revision = '0ce343077fc4'
down_revision = '83c1bc404440'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('benefits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', pmo_web.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_benefits_deleted_at'), ['deleted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('benefits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefits_deleted_at'))
        batch_op.drop_column('deleted_at')
