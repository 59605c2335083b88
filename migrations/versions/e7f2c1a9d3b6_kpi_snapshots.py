"""The dashboard's headline figures kept per day, for the change since last month

Revision ID: e7f2c1a9d3b6
Revises: d5e1a7c2b9f4
Create Date: 2026-12-07 23:50:00

Issue 14: each headline tile of the dashboard says how its figure has changed since a
month before. The figures are kept once a day per audience and filters (kpi_snapshots).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7f2c1a9d3b6'
down_revision = 'd5e1a7c2b9f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kpi_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=200), nullable=False),
        sa.Column('taken_on', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope', 'taken_on', name='uq_kpi_snapshots_scope_taken_on'),
    )


def downgrade():
    op.drop_table('kpi_snapshots')
