"""Commerce: one row per refund, dated when it happened, so that revenue reports
net each refund in its own period.

Orders refunded before this revision get one refund row for what they refunded
so far, dated when the order was completed (the date of the refund itself was
not kept).

Revision ID: commerce_0002
Revises: commerce_0001
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import create_tables, declared_tables, drop_tables, table as prefixed
from learnomy_core.storage import ID, TEXT_TABLE

revision = "commerce_0002"
down_revision = "commerce_0001"
branch_labels = None
depends_on = None


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The table exactly as this revision creates it (a frozen copy)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    table(
        "refunds",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("order_id", ID, nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )


def _tables() -> list:
    return declared_tables(_declare, ("refunds",))


def upgrade() -> None:
    tables = _tables()
    create_tables(tables)
    orders = sa.table(prefixed("lrn_orders"), sa.column("id"), sa.column("refunded_total"), sa.column("currency"),
                      sa.column("completed_at"), sa.column("created_at"))
    op.get_bind().execute(sa.insert(tables[0]).from_select(
        ["order_id", "amount", "currency", "reason", "created_at"],
        sa.select(orders.c.id, orders.c.refunded_total, orders.c.currency, sa.literal(""),
                  sa.func.coalesce(orders.c.completed_at, orders.c.created_at))
        .where(orders.c.refunded_total > 0)))


def downgrade() -> None:
    drop_tables(_tables())
