"""JWT access and refresh tokens, with rotation and reuse detection.

Tokens are HS256 JWTs signed with the site secret, with claims ``iss`` (site URL),
``sub`` (user id), ``iat``, ``exp``, ``jti``, ``typ`` (``access``/``refresh``),
``sid`` (the session, i.e. the token family born at one login) and ``ver`` (the
user's token version). Only HS256 is accepted.

- A session row per login; every access token is checked against it, so revoking
  a session ends its access tokens at once, not only its refresh token.
- Refresh tokens are stored as SHA-256 of their ``jti``: nothing a database reader
  sees can be presented. Refreshing retires the presented token; presenting a
  retired one again revokes the whole family.
- Changing a password, blocking or deleting a user bumps the user's token version
  and revokes every session: every earlier token stops working.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Optional

import jwt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import InvalidToken, TokenExpired
from ..storage import ID

if TYPE_CHECKING:  # pragma: no cover
    from ..request import RestRequest
    from .users import User, UserStore

__all__ = ["token_tables", "TokenService", "ALGORITHM"]

ALGORITHM = "HS256"


def token_tables(metadata: sa.MetaData, prefix: str) -> tuple[sa.Table, sa.Table]:
    """Declare the sessions and refresh-token tables."""
    sessions = sa.Table(
        f"{prefix}lrn_auth_sessions", metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        sa.Column("ip", sa.String(45), nullable=False, default=""),
        sa.Column("user_agent", sa.String(255), nullable=False, default=""),
    )
    refresh = sa.Table(
        f"{prefix}lrn_refresh_tokens", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
    )
    return sessions, refresh


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _digest(jti: str) -> str:
    return hashlib.sha256(jti.encode()).hexdigest()


class TokenService:
    """Issues, checks, rotates and revokes tokens for one app."""

    def __init__(self, app: Any, store: "UserStore", sessions: sa.Table, refresh: sa.Table) -> None:
        self.app = app
        self.store = store
        self.sessions = sessions
        self.refresh_tokens = refresh

    # -- claims --------------------------------------------------------------

    def issuer(self, request: "RestRequest") -> str:
        """The ``iss`` claim: the configured site URL, else the request's host."""
        return self.app.config["site_url"] or request.host_url.rstrip("/")

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.app.secret_key, algorithm=ALGORITHM)

    def decode(self, token: str, typ: str, issuer: str) -> dict[str, Any]:
        """Verified claims of ``token``.

        :raises TokenExpired: past ``exp``.
        :raises InvalidToken: anything else wrong: algorithm, signature, ``iss``, ``typ``.
        """
        try:
            claims = jwt.decode(
                token, self.app.secret_key, algorithms=[ALGORITHM], issuer=issuer,
                options={"require": ["exp", "iat", "iss", "sub", "jti", "typ"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired() from None
        except jwt.PyJWTError:
            raise InvalidToken() from None
        if claims.get("typ") != typ or not str(claims.get("sub", "")).isdigit():
            raise InvalidToken()
        return claims

    # -- issuing -------------------------------------------------------------

    def issue(
        self, db: Connection, request: "RestRequest", user_id: int, version: Optional[str],
        session_id: Optional[str] = None,
    ) -> dict[str, Any]:
        """A new access/refresh pair; a new session unless ``session_id`` continues one."""
        now = _now()
        config = self.app.config
        if session_id is None:
            session_id = uuid.uuid4().hex
            db.execute(sa.insert(self.sessions).values(
                id=session_id, user_id=user_id, created_at=now, last_used_at=now,
                ip=(request.remote_addr or "")[:45],
                user_agent=(request.user_agent.string or "")[:255],
            ))
        else:
            db.execute(sa.update(self.sessions).where(self.sessions.c.id == session_id)
                       .values(last_used_at=now))
        base = {"iss": self.issuer(request), "sub": str(user_id), "iat": now.replace(tzinfo=timezone.utc),
                "sid": session_id, "ver": int(version or 0)}
        refresh_jti = secrets.token_urlsafe(24)
        refresh_exp = now + timedelta(seconds=config["refresh_token_ttl"])
        db.execute(sa.insert(self.refresh_tokens).values(
            session_id=session_id, user_id=user_id, token_hash=_digest(refresh_jti),
            issued_at=now, expires_at=refresh_exp,
        ))
        access = self._encode({**base, "typ": "access", "jti": secrets.token_urlsafe(16),
                               "exp": now.replace(tzinfo=timezone.utc) + timedelta(seconds=config["access_token_ttl"])})
        refresh = self._encode({**base, "typ": "refresh", "jti": refresh_jti,
                                "exp": refresh_exp.replace(tzinfo=timezone.utc)})
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": config["access_token_ttl"],
            "refresh_expires_in": config["refresh_token_ttl"],
        }

    # -- checking ------------------------------------------------------------

    def authenticate(self, request: "RestRequest", token: str) -> "User":
        """The user of a bearer access token, with its session still live.

        :raises InvalidToken: for a revoked session, an old token version, a
            blocked or deleted user; :raises TokenExpired: when expired.
        """
        claims = self.decode(token, "access", self.issuer(request))
        sessions = self.sessions
        live = (
            sa.select(sa.func.count()).select_from(sessions)
            .where(sessions.c.id == str(claims.get("sid", "")), sessions.c.revoked_at.is_(None))
            .scalar_subquery().label("session_live")
        )
        row = request.db.execute(
            self.store.select().add_columns(live).where(self.store.users.c.ID == int(claims["sub"]))
        ).first()
        if row is None or not row.session_live or row.blocked == "1" or int(row.token_version or 0) != claims.get("ver"):
            raise InvalidToken()
        user = self.store.from_row(row)
        user.auth = {"method": "jwt", "sid": claims["sid"]}
        return user

    # -- rotation and revocation ---------------------------------------------

    def rotate(self, request: "RestRequest", token: str) -> tuple[Any, dict[str, Any]]:
        """Retire ``token`` and issue the next pair of its family: ``(user_row, pair)``.

        :raises InvalidToken: for an unknown, expired-session or retired token; a
            retired one revokes its whole family first.
        """
        claims = self.decode(token, "refresh", self.issuer(request))
        db = request.db
        table = self.refresh_tokens
        row = db.execute(sa.select(table).where(table.c.token_hash == _digest(claims["jti"]))).first()
        if row is None:
            raise InvalidToken()
        session = db.execute(sa.select(self.sessions).where(self.sessions.c.id == row.session_id)).first()
        if session is None or session.revoked_at is not None:
            raise InvalidToken("This session has been revoked.")
        retired = row.used_at is None and db.execute(
            sa.update(table).where(table.c.id == row.id, table.c.used_at.is_(None)).values(used_at=_now())
        ).rowcount == 1
        if not retired:
            # Reuse: revoke the family, and commit that now, although this request fails.
            self.revoke_session(db, row.session_id)
            db.commit()
            raise InvalidToken("This refresh token was already used; its session has been revoked.")
        user_row = self.store.get(db, int(row.user_id))
        if user_row is None or user_row.blocked == "1" or int(user_row.token_version or 0) != claims.get("ver"):
            raise InvalidToken()
        return user_row, self.issue(db, request, int(row.user_id), user_row.token_version, row.session_id)

    def session_of(self, request: "RestRequest", token: str) -> tuple[int, str]:
        """``(user_id, session_id)`` of a refresh token (retired or not)."""
        claims = self.decode(token, "refresh", self.issuer(request))
        table = self.refresh_tokens
        row = request.db.execute(
            sa.select(table.c.user_id, table.c.session_id).where(table.c.token_hash == _digest(claims["jti"]))
        ).first()
        if row is None:
            raise InvalidToken()
        return int(row.user_id), row.session_id

    def revoke_session(self, db: Connection, session_id: str) -> None:
        db.execute(sa.update(self.sessions).where(self.sessions.c.id == session_id,
                                                  self.sessions.c.revoked_at.is_(None)).values(revoked_at=_now()))

    def revoke_all(self, db: Connection, user_id: int, *, except_session: Optional[str] = None) -> None:
        """End every session of the user (but ``except_session``)."""
        query = sa.update(self.sessions).where(self.sessions.c.user_id == user_id,
                                               self.sessions.c.revoked_at.is_(None))
        if except_session:
            query = query.where(self.sessions.c.id != except_session)
        db.execute(query.values(revoked_at=_now()))

    def invalidate_user(self, db: Connection, user_id: int) -> int:
        """Every token issued to the user so far stops working; the new version."""
        version = self.store.bump_token_version(db, user_id, self.store.get_meta(db, user_id, self.store.TOKEN_VERSION))
        self.revoke_all(db, user_id)
        return version
