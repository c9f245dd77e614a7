"""Free: certificate templates and certificates.

Creates the tables declared below: a frozen copy of what ``controllers/certificates.py``
declared at this revision. Later changes come with new revisions; this one is
never edited.

Revision ID: free_0005
Revises: free_0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, TEXT_TABLE

revision = "free_0005"
down_revision = "free_0004"
branch_labels = None
depends_on = None

NAMES = ("certificate_templates", "certificates")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    sa.Table(
        f"{prefix}lrn_certificate_templates", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("orientation", sa.String(10), nullable=False),
        sa.Column("author_id", ID, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_certificates", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("template_id", ID, nullable=True),
        sa.Column("verification_code", sa.String(36), nullable=False, unique=True),
        sa.Column("student_name", sa.String(250), nullable=False),
        sa.Column("course_title", sa.String(255), nullable=False),
        sa.Column("instructor_name", sa.String(250), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        **TEXT_TABLE,
    )


def _tables() -> list:
    return declared_tables(_declare, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
