"""Alembic environment: runs on the connection and prefix the app hands over."""

from alembic import context

from learnomy_core.storage import ids_never_reused

config = context.config
context.configure(
    connection=config.attributes["connection"],
    version_table=config.attributes["version_table"],
    render_as_batch=True,
)
with ids_never_reused(), context.begin_transaction():
    context.run_migrations()
