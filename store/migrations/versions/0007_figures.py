"""interaction.logged_on: the day an interaction was logged in its author's zone (figures count
interactions by the day they happened and "logged late" compares the two); indexes for counting by
occurred_on

Revision ID: 0007_figures
Revises: 0006
"""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alembic import op
import sqlalchemy as sa
import store.types


revision = '0007_figures'
down_revision = '0006'
branch_labels = None
depends_on = None

_CHUNK = 5000


def _zone(name):
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _backfill() -> None:
    """logged_on of every interaction whose author's zone is known: created_at's date there. Those of
    authors the bot never saw stay NULL (counted as logged on time)."""
    bind = op.get_bind()
    interaction = sa.table('interaction', sa.column('id', sa.Integer), sa.column('author_id', sa.String),
                           sa.column('created_at', store.types.UTCDateTime()), sa.column('logged_on', sa.Date))
    user = sa.table('slack_user', sa.column('id', sa.String), sa.column('tz', sa.String))
    zones = {uid: zone for uid, tz in bind.execute(sa.select(user.c.id, user.c.tz)) if (zone := _zone(tz)) is not None}
    last = 0
    while True:
        rows = bind.execute(sa.select(interaction.c.id, interaction.c.author_id, interaction.c.created_at)
                            .where(interaction.c.id > last).order_by(interaction.c.id).limit(_CHUNK)).all()
        if not rows:
            return
        last = rows[-1][0]
        updates = [{"row_id": rid, "day": created.astimezone(zones[author]).date()}
                   for rid, author, created in rows if author in zones and created is not None]
        if updates:
            bind.execute(interaction.update().where(interaction.c.id == sa.bindparam("row_id"))
                         .values(logged_on=sa.bindparam("day")), updates)


def upgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logged_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_interaction_author_occurred', ['author_id', 'occurred_on'], unique=False)
        batch_op.create_index('ix_interaction_occurred_way', ['occurred_on', 'way'], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_occurred_way')
        batch_op.drop_index('ix_interaction_author_occurred')
        batch_op.drop_column('logged_on')
