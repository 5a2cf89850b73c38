"""Review, audit and web-session tables.

Revision ID: 0002_review_audit
Revises: 0001_core

``audit_events`` is append-only: triggers refuse UPDATE and DELETE on SQLite and
PostgreSQL; the hash chain (``idp audit verify``) catches anyone who drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_review_audit"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# The append-only triggers as they were at this revision. A migration keeps its own copy
# (as it keeps its own table definitions): the live model may change, this step may not.
APPEND_ONLY_DDL: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    ],
}


def upgrade() -> None:
    """Create the tables and the append-only triggers."""
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False, index=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("target_type", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=True, index=True),
        sa.Column("details", sa.JSON, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "review_items",
        sa.Column(
            "document_id",
            sa.String(36),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("claimed_by", sa.String(32), nullable=True),
        sa.Column("claim_expires_at", TZ, nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "review_corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id",
            sa.String(36),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("reviewer_key_id", sa.String(32), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
        sa.Column("new_text", sa.Text, nullable=True),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
    )
    op.create_index("ix_review_corrections_document", "review_corrections", ["document_id", "id"])
    op.create_table(
        "learned_phrasings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schema_name", sa.String(100), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("phrasing", sa.String(100), nullable=False),
        sa.Column("normalised", sa.String(100), nullable=False),
        sa.Column(
            "learned_from",
            sa.String(36),
            sa.ForeignKey("documents.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("learned_by", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("times_seen", sa.Integer, nullable=False),
        sa.UniqueConstraint("schema_name", "field", "normalised", name="uq_learned_phrasing"),
    )
    op.create_index("ix_learned_phrasings_schema", "learned_phrasings", ["schema_name"])
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "key_id",
            sa.String(32),
            sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    for statement in APPEND_ONLY_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    """Drop the tables (the audit trail with them: only for a database being thrown away)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE")
    for table in ("web_sessions", "learned_phrasings", "review_corrections", "review_items"):
        op.drop_table(table)
    op.drop_table("audit_events")
