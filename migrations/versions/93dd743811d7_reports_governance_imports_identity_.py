"""Highlight and exception reports (and initiative tolerances), governance boards and meetings,
tracker imports, second factors, notifications and their email outbox; indexes for the
dashboard's cycle times and the lessons search.

Revision ID: 93dd743811d7
Revises: 0ce343077fc4
Create Date: 2026-11-26 00:53:20.735946

"""
from alembic import op
import sqlalchemy as sa

import pmo_web.models.base


# revision identifiers, used by Alembic.
revision = '93dd743811d7'
down_revision = '0ce343077fc4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('escalates_to_id', sa.Integer(), nullable=True),
    sa.Column('hears_portfolio', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('changed_by', sa.String(length=120), server_default='', nullable=False),
    sa.Column('changed_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['escalates_to_id'], ['boards.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('digests_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'day')
    )
    op.create_table('import_mappings',
    sa.Column('header_key', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('updated_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('header_key')
    )
    op.create_table('import_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('header_key', sa.String(length=64), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('expires_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('imported_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('imported_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_uploads_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_uploads_owner_id'), ['owner_id'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('meets_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('held_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('held_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('changed_by', sa.String(length=120), server_default='', nullable=False),
    sa.Column('changed_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], ),
    sa.ForeignKeyConstraint(['held_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_meets_on'), ['meets_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_status'), ['status'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind')
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preferences_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=False),
    sa.Column('used_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('second_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('enrolled_at', pmo_web.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_step', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('highlight_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), server_default='highlight', nullable=False),
    sa.Column('status', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('overall_confidence', sa.String(length=20), nullable=True),
    sa.Column('confidence_justification', sa.Text(), nullable=False),
    sa.Column('rag_time', sa.String(length=20), nullable=True),
    sa.Column('rag_cost', sa.String(length=20), nullable=True),
    sa.Column('rag_scope', sa.String(length=20), nullable=True),
    sa.Column('rag_quality', sa.String(length=20), nullable=True),
    sa.Column('rag_benefits', sa.String(length=20), nullable=True),
    sa.Column('rag_risk', sa.String(length=20), nullable=True),
    sa.Column('achievements', sa.Text(), nullable=False),
    sa.Column('next_period', sa.Text(), nullable=False),
    sa.Column('tolerance_status', sa.Text(), nullable=False),
    sa.Column('change_requests', sa.Text(), nullable=False),
    sa.Column('key_risks_issues', sa.Text(), nullable=False),
    sa.Column('decisions_needed', sa.Text(), nullable=False),
    sa.Column('lessons', sa.Text(), nullable=False),
    sa.Column('breach', sa.Text(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.Column('recommendation', sa.Text(), nullable=False),
    sa.Column('snapshot_json', sa.Text(), nullable=False),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('changed_by', sa.String(length=120), server_default='', nullable=False),
    sa.Column('changed_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], ),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('highlight_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_highlight_reports_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_highlight_reports_status'), ['status'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('gate_review_id', sa.Integer(), nullable=True),
    sa.Column('raid_item_id', sa.Integer(), nullable=True),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['gate_review_id'], ['gate_reviews.id'], ),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['raid_item_id'], ['raid_items.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('headline', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('raid_item_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('read_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], ),
    sa.ForeignKeyConstraint(['raid_item_id'], ['raid_items.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('board_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_board_id', sa.Integer(), nullable=False),
    sa.Column('from_meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('to_board_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('escalated_by_id', sa.Integer(), nullable=False),
    sa.Column('escalated_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('heard_at_meeting_id', sa.Integer(), nullable=True),
    sa.Column('heard_as_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], ),
    sa.ForeignKeyConstraint(['escalated_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['from_board_id'], ['boards.id'], ),
    sa.ForeignKeyConstraint(['from_meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['heard_as_item_id'], ['agenda_items.id'], ),
    sa.ForeignKeyConstraint(['heard_at_meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['to_board_id'], ['boards.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('board_escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_escalations_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_escalations_from_meeting_id'), ['from_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_escalations_heard_at_meeting_id'), ['heard_at_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_escalations_to_board_id'), ['to_board_id'], unique=False)

    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('sent_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_due', ['sent_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_user_id'), ['user_id'], unique=False)

    op.create_table('minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('gate_decision_id', sa.Integer(), nullable=True),
    sa.Column('minuted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', pmo_web.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], ),
    sa.ForeignKeyConstraint(['gate_decision_id'], ['gate_decisions.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['minuted_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_meeting_id'), ['meeting_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_initiative_time', ['initiative_id', 'created_at', 'id'], unique=False)

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_tolerance_pct', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('time_tolerance_days', sa.Integer(), server_default='30', nullable=False))

    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.create_index('ix_lessons_category', ['category', 'deleted_at'], unique=False)
        batch_op.create_index('ix_lessons_listing', ['id', 'deleted_at', 'date_added', 'initiative_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_index('ix_lessons_listing')
        batch_op.drop_index('ix_lessons_category')

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_column('time_tolerance_days')
        batch_op.drop_column('cost_tolerance_pct')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_initiative_time')

    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_agenda_item_id'))

    op.drop_table('minutes')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_user_id'))
        batch_op.drop_index('ix_email_outbox_due')

    op.drop_table('email_outbox')
    with op.batch_alter_table('board_escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_escalations_to_board_id'))
        batch_op.drop_index(batch_op.f('ix_board_escalations_heard_at_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_board_escalations_from_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_board_escalations_agenda_item_id'))

    op.drop_table('board_escalations')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_initiative_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('highlight_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_highlight_reports_status'))
        batch_op.drop_index(batch_op.f('ix_highlight_reports_initiative_id'))

    op.drop_table('highlight_reports')
    op.drop_table('second_factors')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preferences_user_id'))

    op.drop_table('notification_preferences')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_status'))
        batch_op.drop_index(batch_op.f('ix_meetings_meets_on'))
        batch_op.drop_index(batch_op.f('ix_meetings_board_id'))

    op.drop_table('meetings')
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_uploads_owner_id'))
        batch_op.drop_index(batch_op.f('ix_import_uploads_expires_at'))

    op.drop_table('import_uploads')
    op.drop_table('import_mappings')
    op.drop_table('digests_sent')
    op.drop_table('boards')