"""full-text search: search_documents, FTS5 on SQLite, a GIN tsvector index on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Written by hand: autogenerate sees neither FTS5 virtual tables nor expression indexes. The SQL
is spelled out here rather than imported from app.models, so this revision stays what it was.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

VECTOR = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', labels), 'B') || "
    "setweight(to_tsvector('english', excerpt), 'B') || "
    "setweight(to_tsvector('english', body), 'C')"
)
SQLITE = (
    "CREATE VIRTUAL TABLE search_index USING fts5(title, labels, excerpt, body, "
    "content='search_documents', content_rowid='post_id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_index(rowid, title, labels, excerpt, body) "
    "VALUES (new.post_id, new.title, new.labels, new.excerpt, new.body); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_index(search_index, rowid, title, labels, excerpt, "
    "body) VALUES ('delete', old.post_id, old.title, old.labels, old.excerpt, old.body); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_index(search_index, rowid, title, labels, excerpt, "
    "body) VALUES ('delete', old.post_id, old.title, old.labels, old.excerpt, old.body); "
    "INSERT INTO search_index(rowid, title, labels, excerpt, body) "
    "VALUES (new.post_id, new.title, new.labels, new.excerpt, new.body); END",
)


def upgrade():
    op.create_table('search_documents',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('labels', sa.Text(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_search_documents_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_search_documents'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX ix_search_documents_vector ON search_documents USING gin (({VECTOR}))")
    elif op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE:
            op.execute(statement)
    # Existing posts get their documents from the next import: the pipeline changed, so it
    # re-renders (and indexes) every post.


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS search_index")
    op.drop_table('search_documents')
