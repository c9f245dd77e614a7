"""Storage: what the engine refuses to write."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from learnomy_core.storage import Storage


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_json_columns_refuse_nan_and_infinity(value: float) -> None:
    storage = Storage("sqlite://", "wp_")
    table = sa.Table("wp_scores", storage.metadata, sa.Column("data", sa.JSON))
    storage.metadata.create_all(storage.engine)
    try:
        with pytest.raises(sa.exc.StatementError), storage.engine.begin() as db:
            db.execute(table.insert().values(data={"points": value}))
        with storage.engine.begin() as db:
            db.execute(table.insert().values(data={"points": 1.5}))
            assert db.execute(sa.select(table.c.data)).scalar_one() == {"points": 1.5}
    finally:
        storage.dispose()
