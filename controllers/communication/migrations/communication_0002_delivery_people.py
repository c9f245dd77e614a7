"""Communication: the people each webhook delivery's payload is about.

Deleting an account blanks its personal fields in every delivery, made or not;
``(user_id, delivery_id)`` finds them without reading the outbox whole. The
deliveries already stored are indexed here once, by the rule the code applies
to new ones (a frozen copy: a later change of the rule does not rewrite history).

Revision ID: communication_0002
Revises: communication_0001
Create Date: 2026-11-27
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import create_tables, declared_tables, drop_tables, table as prefixed
from learnomy_core.storage import ID, TEXT_TABLE

revision = "communication_0002"
down_revision = "communication_0001"
branch_labels = None
depends_on = None

PERSON_KEYS = ("user_id", "author_id", "student_id", "instructor_id")
IDENTITY_KEYS = ("email", "user_email", "username", "user_login", "login", "nicename", "name", "display_name",
                 "first_name", "last_name", "avatar_url")
PERSONAL_KEYS = (*IDENTITY_KEYS, "content", "message", "text")
BATCH = 500


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The table exactly as this revision creates it (a frozen copy)."""
    people = sa.Table(
        f"{prefix}lrn_webhook_delivery_people", metadata,
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("delivery_id", ID, primary_key=True, autoincrement=False),
        **TEXT_TABLE,
    )
    sa.Index(f"{people.name}_delivery", people.c.delivery_id)


def _people(value: Any) -> set[int]:
    found: set[int] = set()
    if isinstance(value, list):
        for item in value:
            found |= _people(item)
    elif isinstance(value, dict):
        if any(value.get(key) is not None for key in PERSONAL_KEYS):
            ids = [value.get(key) for key in PERSON_KEYS]
            if any(key in value for key in IDENTITY_KEYS):
                ids.append(value.get("id"))
            found |= {i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63}
        for item in value.values():
            found |= _people(item)
    return found


def upgrade() -> None:
    (people,) = declared_tables(_declare, ("webhook_delivery_people",))
    create_tables([people])
    deliveries = sa.table(prefixed("lrn_webhook_deliveries"), sa.column("id"), sa.column("body"))
    bind, after = op.get_bind(), 0
    while True:
        rows = bind.execute(sa.select(deliveries.c.id, deliveries.c.body).where(deliveries.c.id > after)
                            .order_by(deliveries.c.id).limit(BATCH)).all()
        if not rows:
            break
        found = []
        for row in rows:
            try:
                body = json.loads(row.body)
            except ValueError:
                continue
            data = body.get("data") if isinstance(body, dict) else None
            found += [{"user_id": user_id, "delivery_id": int(row.id)} for user_id in sorted(_people(data))]
        if found:
            bind.execute(sa.insert(people), found)
        after = int(rows[-1].id)


def downgrade() -> None:
    drop_tables(declared_tables(_declare, ("webhook_delivery_people",)))
