"""API key expiry; the key id that signed each audit event.

Revision ID: 0003_keys_audit_keyed
Revises: 0002_review_audit

``api_keys.expires_at``: a key stops working after it (optional). ``audit_events.key_id``:
which audit key (HMAC) hashed the event; ``NULL`` for events written before keying.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_keys_audit_keyed"
down_revision = "0002_review_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns."""
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("audit_events", sa.Column("key_id", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("key_id")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
