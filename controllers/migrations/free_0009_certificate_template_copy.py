"""Free: a certificate keeps the template it was issued with.

Certificates rendered their template at download time, so editing or deleting a
template (and, on SQLite, another instructor's new template taking its id)
changed certificates already issued. Each certificate now carries a copy of its
template's title, body and orientation; certificates issued before are given
the copy of their template as it is now, where it still exists.

Revision ID: free_0009
Revises: free_0008
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table

revision = "free_0009"
down_revision = "free_0008"
branch_labels = None
depends_on = None

COPIED = {"title": sa.String(255), "body": sa.Text(), "orientation": sa.String(10)}


def upgrade() -> None:
    name = table("lrn_certificates")
    for column, kind in COPIED.items():
        op.add_column(name, sa.Column(f"template_{column}", kind, nullable=True))
    certificates = sa.table(name, sa.column("template_id"), *(sa.column(f"template_{c}") for c in COPIED))
    templates = sa.table(table("lrn_certificate_templates"), sa.column("id"), *(sa.column(c) for c in COPIED))
    op.execute(certificates.update().where(certificates.c.template_id.is_not(None)).values({
        f"template_{column}": sa.select(templates.c[column]).where(templates.c.id == certificates.c.template_id)
        .scalar_subquery()
        for column in COPIED
    }))


def downgrade() -> None:
    name = table("lrn_certificates")
    with op.batch_alter_table(name) as batch:
        for column in COPIED:
            batch.drop_column(f"template_{column}")
