"""Free: certificate templates and certificates.

Creates the tables as ``controllers/certificates.py`` declares them at this
revision; later changes come with new revisions.

Revision ID: free_0005
Revises: free_0004
Create Date: 2026-11-26
"""
from learnomy_core.migrations import create_tables, declared_tables, drop_tables

revision = "free_0005"
down_revision = "free_0004"
branch_labels = None
depends_on = None

NAMES = ("certificate_templates", "certificates")


def _tables() -> list:
    from learnomy.controllers.certificates import certificate_tables

    return declared_tables(certificate_tables, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
