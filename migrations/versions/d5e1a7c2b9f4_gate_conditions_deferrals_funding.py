"""Gate conditions tracked to closure, deferred reviews kept open, costs by financial year

Revision ID: d5e1a7c2b9f4
Revises: c4cc3bdf5ab4
Create Date: 2026-12-07 20:10:00

docs/rules.md 9. A gate condition becomes a tracked record: its initiative and gate (copied
from its review), an owner who may be a user, a state (open, met, waived) with the
evidence or the reason, who closed it and when, and a version for optimistic locking.
Existing conditions recorded as met become met, with the evidence "Recorded as met before
tracking"; the others are open.

A deferred review now stays open (state "deferred") until the PMO requests the gate again,
so the one-open-review index covers it, and the review keeps its come-back date. The most
recent review of an initiative, if it was deferred and the initiative still stands at that
gate, is reopened as deferred; older deferrals stay closed, as they were followed by another
review.

A business case's cost lines get the UK financial year they fall in (None on the lines
saved before, shown as "Year not given"). Funding is the business case's from now on: an
initiative with a case takes its funding type from its current version (capital when it has
a capital cost), replacing what the delivery page held; one without a case keeps its own.
"""
import sqlalchemy as sa
from alembic import op

import pmo_web.models.base

# revision identifiers, used by Alembic.
revision = 'd5e1a7c2b9f4'
down_revision = 'c4cc3bdf5ab4'
branch_labels = None
depends_on = None

OPEN_BEFORE = sa.text("state = 'requested'")
OPEN_NOW = sa.text("state IN ('requested', 'deferred')")
FROM_STATE = ("CASE gate_reviews.gate WHEN 'G1' THEN 'scoring' WHEN 'G2' THEN 'business_case' "
              "WHEN 'G3' THEN 'delivery' WHEN 'G4' THEN 'benefits_review' END")


def upgrade():
    with op.batch_alter_table('case_costs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('financial_year', sa.Integer(), nullable=True))
    op.execute("UPDATE initiatives SET funding_type = CASE WHEN EXISTS (SELECT 1 FROM case_costs "
               "JOIN business_cases ON business_cases.id = case_costs.case_id "
               "WHERE business_cases.initiative_id = initiatives.id AND case_costs.category = 'capital' "
               "AND case_costs.amount > 0 AND business_cases.version = (SELECT max(latest.version) "
               "FROM business_cases AS latest WHERE latest.initiative_id = initiatives.id)) "
               "THEN 'capital' ELSE 'revenue' END "
               "WHERE EXISTS (SELECT 1 FROM business_cases WHERE business_cases.initiative_id = initiatives.id)")

    with op.batch_alter_table('gate_conditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('initiative_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gate', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('state', sa.String(length=10), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('evidence', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('waiver_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', pmo_web.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('changed_by', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('changed_at', pmo_web.models.base.UTCDateTime(), nullable=True))
    review_of = ("FROM gate_decisions JOIN gate_reviews ON gate_reviews.id = gate_decisions.review_id "
                 "WHERE gate_decisions.id = gate_conditions.decision_id")
    op.execute(f"UPDATE gate_conditions SET initiative_id = (SELECT gate_reviews.initiative_id {review_of}), "
               f"gate = (SELECT gate_reviews.gate {review_of}), "
               "state = CASE WHEN met THEN 'met' ELSE 'open' END, "
               "evidence = CASE WHEN met THEN 'Recorded as met before tracking' ELSE '' END")
    with op.batch_alter_table('gate_conditions', schema=None) as batch_op:
        batch_op.alter_column('initiative_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('gate', existing_type=sa.String(length=2), nullable=False)
        batch_op.create_index(batch_op.f('ix_gate_conditions_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_conditions_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_conditions_state'), ['state'], unique=False)
        batch_op.create_foreign_key('fk_gate_conditions_initiative_id', 'initiatives', ['initiative_id'], ['id'])
        batch_op.create_foreign_key('fk_gate_conditions_owner_id', 'users', ['owner_id'], ['id'])
        batch_op.create_foreign_key('fk_gate_conditions_closed_by_id', 'users', ['closed_by_id'], ['id'])
        batch_op.drop_column('met')

    # Only an added column and an index: SQLite alters gate_reviews in place, without copying
    # a table that decisions and audit events refer to.
    with op.batch_alter_table('gate_reviews', schema=None) as batch_op:
        batch_op.drop_index('uq_gate_reviews_one_open', sqlite_where=OPEN_BEFORE, postgresql_where=OPEN_BEFORE)
        batch_op.add_column(sa.Column('defer_until', sa.Date(), nullable=True))
    op.execute("UPDATE gate_reviews SET defer_until = (SELECT max(gate_decisions.defer_until) FROM gate_decisions "
               "WHERE gate_decisions.review_id = gate_reviews.id AND gate_decisions.decision = 'defer') "
               "WHERE outcome = 'deferred'")
    op.execute("UPDATE gate_reviews SET state = 'deferred' WHERE outcome = 'deferred' AND state = 'decided' "
               "AND NOT EXISTS (SELECT 1 FROM gate_reviews AS later WHERE later.initiative_id = gate_reviews.initiative_id "
               "AND later.id > gate_reviews.id) "
               f"AND EXISTS (SELECT 1 FROM initiatives WHERE initiatives.id = gate_reviews.initiative_id "
               f"AND initiatives.state = {FROM_STATE})")
    with op.batch_alter_table('gate_reviews', schema=None) as batch_op:
        batch_op.create_index('uq_gate_reviews_one_open', ['initiative_id'], unique=True,
                              sqlite_where=OPEN_NOW, postgresql_where=OPEN_NOW)


def downgrade():
    # An open deferral was a decided review before; a closed condition (met or waived) was "met".
    op.execute("UPDATE gate_reviews SET state = 'decided' WHERE state = 'deferred'")
    op.drop_index('uq_gate_reviews_one_open', table_name='gate_reviews', sqlite_where=OPEN_NOW,
                  postgresql_where=OPEN_NOW)
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): a batch copy of gate_reviews would
    # fail while decisions refer to its rows.
    op.drop_column('gate_reviews', 'defer_until')
    op.create_index('uq_gate_reviews_one_open', 'gate_reviews', ['initiative_id'], unique=True,
                    sqlite_where=OPEN_BEFORE, postgresql_where=OPEN_BEFORE)

    with op.batch_alter_table('gate_conditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('met', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE gate_conditions SET met = (state <> 'open')")
    with op.batch_alter_table('gate_conditions', schema=None) as batch_op:
        batch_op.alter_column('met', existing_type=sa.Boolean(), server_default=None)
        batch_op.drop_constraint('fk_gate_conditions_closed_by_id', type_='foreignkey')
        batch_op.drop_constraint('fk_gate_conditions_owner_id', type_='foreignkey')
        batch_op.drop_constraint('fk_gate_conditions_initiative_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_gate_conditions_state'))
        batch_op.drop_index(batch_op.f('ix_gate_conditions_owner_id'))
        batch_op.drop_index(batch_op.f('ix_gate_conditions_initiative_id'))
        for column in ('changed_at', 'changed_by', 'version', 'closed_at', 'closed_by_id', 'waiver_reason',
                       'evidence', 'state', 'owner_id', 'gate', 'initiative_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('case_costs', schema=None) as batch_op:
        batch_op.drop_column('financial_year')
