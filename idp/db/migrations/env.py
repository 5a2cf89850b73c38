"""Alembic environment: runs on the connection ``idp.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from idp.db.models import Base

target_metadata = Base.metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through idp.db.migrate
    raise RuntimeError("run migrations through `idp migrate`")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
