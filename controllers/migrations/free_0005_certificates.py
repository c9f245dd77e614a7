"""Free: certificate templates and certificates.

Creates the tables as ``controllers/certificates.py`` declares them at this
revision; later changes come with new revisions.

Revision ID: free_0005
Revises: free_0004
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import context, op

revision = "free_0005"
down_revision = "free_0004"
branch_labels = None
depends_on = None

NAMES = ("certificate_templates", "certificates")


def _tables() -> list:
    from learnomy.controllers.certificates import certificate_tables

    prefix = context.config.attributes["table_prefix"]
    metadata = sa.MetaData()
    certificate_tables(metadata, prefix)
    return [metadata.tables[f"{prefix}lrn_{name}"] for name in NAMES]


def upgrade() -> None:
    for table in _tables():
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(_tables()):
        table.drop(op.get_bind())
