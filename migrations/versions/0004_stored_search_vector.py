"""stored search vector: a generated tsvector column under the GIN index on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Ranking read 0003's expression index for matching only: ts_rank_cd re-parsed every matching
body, 5 to 25 s for a common word at 10,000 posts. PostgreSQL now stores the vector, computed
on write from the same expression, and indexes the column; SQLite's FTS5 is unchanged.

Written by hand: autogenerate does not compare generated columns the models leave to the
migrations. The SQL is spelled out here rather than imported from app.models, so this
revision stays what it was.
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

VECTOR = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', labels), 'B') || "
    "setweight(to_tsvector('english', excerpt), 'B') || "
    "setweight(to_tsvector('english', body), 'C')"
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # Rewrites the table once (computing every post's vector) under an exclusive lock.
    op.execute("DROP INDEX ix_search_documents_vector")
    op.execute(f"ALTER TABLE search_documents ADD COLUMN vector tsvector "
               f"GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_search_documents_vector ON search_documents USING gin (vector)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX ix_search_documents_vector")
    op.execute("ALTER TABLE search_documents DROP COLUMN vector")
    op.execute(f"CREATE INDEX ix_search_documents_vector ON search_documents USING gin (({VECTOR}))")
