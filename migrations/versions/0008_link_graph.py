"""link graph: the links between posts, and the outside addresses found working

Revision ID: 0008_link_graph
Revises: 0007_source_stamp
Create Date: 2026-12-08

post_links holds every link from one post to another as the import resolved it ("Mentioned
in", renames followed, `flask check-links`); link_checks caches the outside addresses that
answered `flask check-links --external`. Posts imported before this migration have no links
until the next import, which renders every file again (the pipeline changed).
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_link_graph'
down_revision = '0007_source_stamp'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_links',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('href', sa.Text(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('anchor', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['posts.id'], name=op.f('fk_post_links_source_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['posts.id'], name=op.f('fk_post_links_target_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('source_id', 'position', name=op.f('pk_post_links'))
    )
    with op.batch_alter_table('post_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_links_target_id'), ['target_id'], unique=False)

    op.create_table('link_checks',
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('final_url', sa.Text(), nullable=True),
    sa.Column('redirect_status', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('url_hash', name=op.f('pk_link_checks'))
    )


def downgrade():
    op.drop_table('link_checks')
    with op.batch_alter_table('post_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_links_target_id'))

    op.drop_table('post_links')
