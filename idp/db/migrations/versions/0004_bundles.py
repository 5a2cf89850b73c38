"""Documents found in an upload of several (issue 12).

Revision ID: 0004_bundles
Revises: 0003_keys_audit_keyed

``documents.upload_id``: the upload a document was split from (``NULL`` for an upload
itself and for every single-document upload); ``documents.bundle_index`` its position there
(from 1); ``documents.split``: the page ranges and types a reviewer set on an upload, used
instead of the split stage's when it is processed again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_bundles"
down_revision = "0003_keys_audit_keyed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the three columns and an index to list an upload's documents."""
    op.add_column("documents", sa.Column("upload_id", sa.String(36), nullable=True))
    op.add_column("documents", sa.Column("bundle_index", sa.Integer(), nullable=True))
    op.add_column("documents", sa.Column("split", sa.JSON(), nullable=True))
    op.create_index("ix_documents_upload", "documents", ["upload_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_documents_upload", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("split")
        batch.drop_column("bundle_index")
        batch.drop_column("upload_id")
