"""imported_row: the keyed digest of each customer-import row written, so that importing the same
file again skips the rows it already wrote instead of reading, checking and matching each again

Revision ID: 0011_import_rows
Revises: 0010_start14
Create Date: 2026-12-07 08:20:00

No index beyond the primary key: the import looks rows up by digest only, and customers are never
deleted (the foreign key is checked when a row is written).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types


revision = '0011_import_rows'
down_revision = '0010_start14'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'imported_row',
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('at', store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.PrimaryKeyConstraint('digest'),
    )


def downgrade() -> None:
    op.drop_table('imported_row')
