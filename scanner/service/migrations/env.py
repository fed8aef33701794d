"""Alembic environment: runs against the engine the service hands over (``config.attributes["engine"]``)."""

from __future__ import annotations

from alembic import context

from scanner.service.db import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
