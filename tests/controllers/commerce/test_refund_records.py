"""Refunds are kept one row each with their date (commerce_0002): reports net them
in the period they happened."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa


def test_orders_refunded_before_commerce_0002_get_a_refund_row(tmp_path: Path) -> None:
    from learnomy_core import create_app
    from tests.conftest import FREE

    app = create_app(plugins=FREE, database_url=f"sqlite:///{tmp_path / 'old.sqlite'}")
    locations = app.migration_locations()
    from alembic import command

    # Every branch at its head but commerce one step back (alembic cannot stop a
    # fresh database at one branch's revision when branches depend on each other).
    app.storage.upgrade(locations)
    with app.storage.engine.begin() as connection:
        command.downgrade(app.storage._alembic_config(connection, locations), "commerce_0001")
    orders = app.storage.metadata.tables["wp_lrn_orders"]
    stamp, paid = datetime(2026, 1, 1), datetime(2026, 1, 2, 10)
    with app.storage.engine.begin() as db:
        for refunded, status in ((0, "completed"), (1500, "partially_refunded"), (3000, "refunded")):
            db.execute(orders.insert().values(
                user_id=1, status=status, items=[], subtotal=3000, discount=0, total=3000, refunded_total=refunded,
                currency="EUR", gateway="manual", created_at=stamp, completed_at=paid))

    app.storage.upgrade(locations)

    refunds = app.storage.metadata.tables["wp_lrn_refunds"]
    with app.storage.engine.connect() as db:
        rows = db.execute(sa.select(refunds.c.order_id, refunds.c.amount, refunds.c.currency, refunds.c.created_at)
                          .order_by(refunds.c.order_id)).all()
    assert [tuple(r) for r in rows] == [(2, 1500, "EUR", paid), (3, 3000, "EUR", paid)]
    app.storage.dispose()
