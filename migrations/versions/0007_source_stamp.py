"""source stamp: a post's file size, modification time and inode, with the pipeline's digest

Revision ID: 0007_source_stamp
Revises: 0004
Create Date: 2026-12-07

A re-import with nothing changed read and hashed every file (90 MB at 10,000 posts). With the
stamp of the file as the last import saw it, an unchanged file costs one stat.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_source_stamp'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts') as batch_op:
        batch_op.add_column(sa.Column('source_stamp', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('posts') as batch_op:
        batch_op.drop_column('source_stamp')
