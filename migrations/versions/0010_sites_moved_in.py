"""sites moved in: several authors per post, expiry, and the old site's addresses

Revision ID: 0010_sites_moved_in
Revises: 0009_media_store
Create Date: 2026-12-07

post_authors lists everyone who wrote a post (posts.author_id stays its first author, for
bylines); posts gains expires_at (Hugo's expiryDate); old_addresses holds the paths the site's
previous engine served, each answering 301 to its post (or to a site-wide target). Existing
posts get their one author in post_authors.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_sites_moved_in'
down_revision = '0009_media_store'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_authors',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['authors.id'], name=op.f('fk_post_authors_author_id_authors')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_authors_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'position', name=op.f('pk_post_authors'))
    )
    op.create_index(op.f('ix_post_authors_author_id'), 'post_authors', ['author_id'], unique=False)
    op.execute("INSERT INTO post_authors (post_id, position, author_id) "
               "SELECT id, 0, author_id FROM posts")
    op.create_table('old_addresses',
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_old_addresses_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('path', name=op.f('pk_old_addresses'))
    )
    op.create_index(op.f('ix_old_addresses_post_id'), 'old_addresses', ['post_id'], unique=False)
    # In place, not in batch mode (see 0007): SQLite adds and drops a plain column itself.
    op.add_column('posts', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('posts', 'expires_at')
    op.drop_index(op.f('ix_old_addresses_post_id'), table_name='old_addresses')
    op.drop_table('old_addresses')
    op.drop_index(op.f('ix_post_authors_author_id'), table_name='post_authors')
    op.drop_table('post_authors')
