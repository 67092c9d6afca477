"""source stamp: a post's file size, modification time and inode, with the pipeline's digest

Revision ID: 0007_source_stamp
Revises: 0005_pages_and_menus
Create Date: 2026-12-07

A re-import with nothing changed read and hashed every file (90 MB at 10,000 posts). With the
stamp of the file as the last import saw it, an unchanged file costs one stat.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_source_stamp'
down_revision = '0005_pages_and_menus'
branch_labels = None
depends_on = None


# In place, not in batch mode: a batch rebuilds the posts table on SQLite, which fails on a
# site that has posts ("database table is locked"); SQLite drops a plain column itself.


def upgrade():
    op.add_column('posts', sa.Column('source_stamp', sa.String(length=100), nullable=True))


def downgrade():
    op.drop_column('posts', 'source_stamp')
