"""One issued exception report per initiative and period

Revision ID: e8a4c1f7b2d6
Revises: e7f2c1a9d3b6
Create Date: 2026-12-07 23:55:00

Two exception reports could be issued for the same initiative and period (two officers at
once, or one after the other). A partial unique index on (initiative, period start, period
end) over issued exception reports now refuses the second, whatever the timing; drafts and
highlight reports are not affected. Issued reports are records and are never changed here:
if a database already holds such a pair, the upgrade stops and names them, for the PMO to
decide which stands (the other can be set back to a draft by hand) before upgrading again.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e8a4c1f7b2d6'
down_revision = 'e7f2c1a9d3b6'
branch_labels = None
depends_on = None

ISSUED_EXCEPTION = sa.text("kind = 'exception' AND status = 'issued'")


def upgrade():
    duplicates = op.get_bind().execute(sa.text(
        "SELECT initiative_id, period_start, period_end, COUNT(*) FROM highlight_reports "
        "WHERE kind = 'exception' AND status = 'issued' "
        "GROUP BY initiative_id, period_start, period_end HAVING COUNT(*) > 1")).all()
    if duplicates:
        listed = "; ".join(f"initiative {row[0]}, {row[1]} to {row[2]} ({row[3]} reports)" for row in duplicates)
        raise RuntimeError("More than one exception report is issued for the same initiative and period: "
                           f"{listed}. Decide which stands, set the others back to drafts, then upgrade again.")
    with op.batch_alter_table('highlight_reports', schema=None) as batch_op:
        batch_op.create_index('uq_highlight_reports_one_issued_exception',
                              ['initiative_id', 'period_start', 'period_end'], unique=True,
                              sqlite_where=ISSUED_EXCEPTION, postgresql_where=ISSUED_EXCEPTION)


def downgrade():
    with op.batch_alter_table('highlight_reports', schema=None) as batch_op:
        batch_op.drop_index('uq_highlight_reports_one_issued_exception',
                            sqlite_where=ISSUED_EXCEPTION, postgresql_where=ISSUED_EXCEPTION)
