"""Admin: the start of this package's own branch; the student search walks indexes.

An administrator's student search matches the start of a login, an e-mail
address or a display name, ignoring case (``controllers/admin/students.py``,
``search_condition``). WordPress indexes ``user_login`` and ``user_email`` but not
``display_name``: this adds ``{prefix}users_display_name``. On MySQL and MariaDB
the tables' ``_ci`` collation makes each index serve ``LIKE 'term%'`` as it is.
SQLite's ``LIKE`` ignores (ASCII) case and may walk only an index that does too:
there the three indexes are ``COLLATE NOCASE`` (WordPress's two made again, under
their names). The logins' and addresses' own lookups compare ``NOCASE`` on SQLite
(``learnomy_core.identity.users``), so they walk these indexes too.

Revision ID: admin_0001
Revises: free_0009
Create Date: 2026-11-27
"""
from alembic import op

from learnomy_core.migrations import table

revision = "admin_0001"
down_revision = "free_0009"
branch_labels = ("admin",)
depends_on = None

# Index name suffix -> column, as learnomy_core.identity.users names WordPress's.
WORDPRESS_KEYS = {"user_login_key": "user_login", "user_email": "user_email"}


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    users = table("users")
    if not _sqlite():
        op.create_index(f"{users}_display_name", users, ["display_name"])
        return
    for suffix, column in WORDPRESS_KEYS.items():
        op.execute(f"DROP INDEX {users}_{suffix}")
        op.execute(f"CREATE INDEX {users}_{suffix} ON {users} ({column} COLLATE NOCASE)")
    op.execute(f"CREATE INDEX {users}_display_name ON {users} (display_name COLLATE NOCASE)")


def downgrade() -> None:
    users = table("users")
    op.drop_index(f"{users}_display_name", table_name=users)
    if _sqlite():
        for suffix, column in WORDPRESS_KEYS.items():
            op.execute(f"DROP INDEX {users}_{suffix}")
            op.create_index(f"{users}_{suffix}", users, [column])
