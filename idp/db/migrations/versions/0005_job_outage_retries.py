"""Jobs count the retries an outage caused apart from their attempts.

Revision ID: 0005_job_outage_retries
Revises: 0004_bundles

``jobs.outage_retries``: how many times the job went back to the queue because the object
store or the database could not be reached (``idp.jobs.outage``). Those claims do not use
up the document's attempts: a job has used ``attempts - outage_retries`` of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_job_outage_retries"
down_revision = "0004_bundles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (0 for existing jobs)."""
    op.add_column(
        "jobs",
        sa.Column("outage_retries", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("outage_retries")
