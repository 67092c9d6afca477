"""posts: an index covering every listing of all posts

Revision ID: 0011_listing_index
Revises: 0010_sites_moved_in
Create Date: 2026-12-07

ix_posts_listed replaces ix_posts_kind_draft_published_at, which is its prefix: it adds the
columns the public rule, the sitemap and the archive read (expires_at, updated_at, slug,
title), so those read the index alone and never a post's row, whose source and HTML made each
of them read every row's overflow pages on SQLite.
"""
from alembic import op

revision = '0011_listing_index'
down_revision = '0010_sites_moved_in'
branch_labels = None
depends_on = None

LISTED = ['kind', 'draft', 'published_at', 'expires_at', 'updated_at', 'slug', 'title']


def upgrade():
    op.create_index('ix_posts_listed', 'posts', LISTED, unique=False)
    op.drop_index('ix_posts_kind_draft_published_at', table_name='posts')


def downgrade():
    op.create_index('ix_posts_kind_draft_published_at', 'posts',
                    ['kind', 'draft', 'published_at'], unique=False)
    op.drop_index('ix_posts_listed', table_name='posts')
