"""Core: sessions follow what WordPress does to the user.

``lrn_auth_sessions`` gains ``pass_check`` (a fingerprint of the password hash the
session began with: a password changed anywhere ends it) and ``wp_verifier`` (its
key in WordPress's ``session_tokens`` user meta, where "Log Out Everywhere" ends
it). Sessions already open keep working: their fingerprint is taken from the
user's current hash here; they are listed in WordPress's at their next refresh.

Revision ID: core_0007_sessions
Revises: core_0006_idempotency
Create Date: 2026-12-03
"""
import hashlib

import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table

revision = "core_0007_sessions"
down_revision = "core_0006_idempotency"
branch_labels = None
depends_on = None


def _pass_check(password_hash: str) -> str:
    # learnomy_core.identity.tokens.pass_check, as it was written here.
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:32]


def upgrade() -> None:
    name = table("lrn_auth_sessions")
    with op.batch_alter_table(name) as batch:
        batch.add_column(sa.Column("pass_check", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("wp_verifier", sa.String(64), nullable=True))
    bind = op.get_bind()
    sessions = sa.table(name, sa.column("id"), sa.column("user_id"), sa.column("revoked_at"),
                        sa.column("pass_check"))
    users = sa.table(table("users"), sa.column("ID"), sa.column("user_pass"))
    live = bind.execute(
        sa.select(sessions.c.id, users.c.user_pass)
        .select_from(sessions.join(users, users.c.ID == sessions.c.user_id))
        .where(sessions.c.revoked_at.is_(None))
    ).all()
    for session_id, user_pass in live:
        bind.execute(sa.update(sessions).where(sessions.c.id == session_id)
                     .values(pass_check=_pass_check(user_pass)))


def downgrade() -> None:
    with op.batch_alter_table(table("lrn_auth_sessions")) as batch:
        batch.drop_column("wp_verifier")
        batch.drop_column("pass_check")
