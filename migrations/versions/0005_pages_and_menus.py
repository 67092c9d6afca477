"""pages and menus: a kind for each post, a page's address, menu and weight

Revision ID: 0005_pages_and_menus
Revises: 0004
Create Date: 2026-12-07

Pages live in the posts table (they share the import, search, aliases and caching); every
existing row is a post. The listing index gains the kind in front, since every list now asks
for posts only.

Every step is one SQLite can do in place (ADD COLUMN, DROP COLUMN, indexes): rebuilding the
posts table, as Alembic's batch mode does for a constraint, fails on SQLite once the table
has rows ("database table is locked", the search index's triggers firing on the copy).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_pages_and_menus'
down_revision = '0004'
branch_labels = None
depends_on = None

COLUMNS = ('kind', 'path', 'menu', 'menu_weight')


def upgrade():
    op.add_column('posts', sa.Column('kind', sa.String(length=10), server_default='post', nullable=False))
    op.add_column('posts', sa.Column('path', sa.String(length=200), nullable=True))
    op.add_column('posts', sa.Column('menu', sa.String(length=20), nullable=True))
    op.add_column('posts', sa.Column('menu_weight', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_posts_path'), 'posts', ['path'], unique=True)
    op.drop_index('ix_posts_draft_published_at', table_name='posts')
    op.create_index('ix_posts_kind_draft_published_at', 'posts', ['kind', 'draft', 'published_at'], unique=False)


def downgrade():
    # Pages have nowhere to go in the older schema (they would come back as posts): they go,
    # with every row that points at them, spelled out since SQLite may not cascade.
    pages = "SELECT id FROM posts WHERE kind = 'page'"
    for table, column in (('search_documents', 'post_id'), ('post_tags', 'post_id'),
                          ('post_aliases', 'post_id'), ('related_posts', 'post_id'),
                          ('related_posts', 'related_id')):
        op.execute(f"DELETE FROM {table} WHERE {column} IN ({pages})")
    op.execute("DELETE FROM posts WHERE kind = 'page'")
    op.drop_index('ix_posts_kind_draft_published_at', table_name='posts')
    op.create_index('ix_posts_draft_published_at', 'posts', ['draft', 'published_at'], unique=False)
    op.drop_index(op.f('ix_posts_path'), table_name='posts')
    for column in reversed(COLUMNS):
        op.drop_column('posts', column)
