"""media store: the images and files articles reference, with their variants, in the database

Revision ID: 0009_media_store
Revises: 0008_link_graph
Create Date: 2026-12-07

media_files holds each file served at /media/<digest>/<name> (every replica serves it after one
import, with nothing shared but the database); post_media which files each post references, so
that --prune keeps the ones in use and a changed image renders its posts again. posts gains
image_media, the frontmatter image's size and variants. Posts imported before this migration
keep their image addresses until the next import, which renders every file again.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009_media_store'
down_revision = '0008_link_graph'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_files',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_media_files'))
    )
    op.create_index(op.f('ix_media_files_digest'), 'media_files', ['digest'], unique=False)
    op.create_table('post_media',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=1000), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('stamp', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_media_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'source', name=op.f('pk_post_media'))
    )
    op.create_index(op.f('ix_post_media_digest'), 'post_media', ['digest'], unique=False)
    # In place, not in batch mode (see 0007): SQLite adds and drops a plain column itself.
    op.add_column('posts', sa.Column('image_media', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade():
    op.drop_column('posts', 'image_media')
    op.drop_index(op.f('ix_post_media_digest'), table_name='post_media')
    op.drop_table('post_media')
    op.drop_index(op.f('ix_media_files_digest'), table_name='media_files')
    op.drop_table('media_files')
