"""Learning: the start of this package's own branch; long text columns hold long text.

The package's tables were made by the shared Free history (``free_0001`` ...);
its own changes start here, on a branch of its own (``learning``) that grows from
that history's head. On MySQL and MariaDB, ``TEXT`` holds 65,535 bytes, less than
the routes' args allow, so a valid request answered 500 "Data too long": these
columns become ``LONGTEXT``, as WordPress keeps its own content. Nothing changes
on SQLite.

Revision ID: learning_0001
Revises: free_0009
Create Date: 2026-11-27
"""
from learnomy_core.migrations import widen_text

revision = "learning_0001"
down_revision = "free_0009"
branch_labels = ("learning",)
depends_on = None

COLUMNS = {'lrn_certificate_templates': {'body': False}, 'lrn_certificates': {'template_body': True}, 'lrn_reviews': {'content': False}}


def upgrade() -> None:
    widen_text(COLUMNS)


def downgrade() -> None:
    pass  # narrowing could cut stored text
