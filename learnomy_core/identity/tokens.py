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
- What WordPress does ends sessions here too. Each session keeps a fingerprint of
  the password hash it began with (:func:`pass_check`): a password changed
  anywhere, WordPress included, changes the hash and ends it (as WordPress's own
  login cookies, which carry a fragment of the hash, end). Each session is also
  listed in WordPress's ``session_tokens`` user meta
  (:mod:`learnomy_core.identity.wp_sessions`): WordPress's "Log Out Everywhere"
  removes the entry and ends it. Both are read in the one query that checks an
  access token; a rehash at login here (the same password) carries the user's
  sessions over to the new hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Optional

import jwt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import InvalidToken, TokenExpired
from ..storage import ID
from .wp_sessions import SESSION_TOKENS, WordPressSessions, holds, new_verifier

if TYPE_CHECKING:  # pragma: no cover
    from ..request import RestRequest
    from .users import User, UserStore

__all__ = ["token_tables", "TokenService", "ALGORITHM", "pass_check"]

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
        # Fingerprint of the password hash the session began with (pass_check).
        sa.Column("pass_check", sa.String(32), nullable=False, default=""),
        # Its key in WordPress's session_tokens user meta (None: not listed there).
        sa.Column("wp_verifier", sa.String(64), nullable=True),
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


def _still_valid(user_row: Any, claims: dict[str, Any], session_pass_check: str, verifier: Optional[str],
                 wp_sessions: Optional[str]) -> bool:
    """Whether nothing has ended a session: blocking the user, a new token
    version, another password hash, WordPress unlisting it."""
    if user_row.blocked == "1" or int(user_row.token_version or 0) != claims.get("ver"):
        return False
    if not hmac.compare_digest(session_pass_check, pass_check(user_row.user_pass)):
        return False
    return verifier is None or holds(wp_sessions, verifier)


def pass_check(password_hash: str) -> str:
    """A fingerprint of a stored password hash: changes whenever the hash does.

    Unkeyed, so the migration that introduced it could compute it for sessions
    already open; it tells nothing the hash itself, in the same database, does not.
    """
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:32]


class TokenService:
    """Issues, checks, rotates and revokes tokens for one app."""

    def __init__(self, app: Any, store: "UserStore", sessions: sa.Table, refresh: sa.Table) -> None:
        self.app = app
        self.store = store
        self.sessions = sessions
        self.refresh_tokens = refresh
        self.wordpress = WordPressSessions(store)
        self._caller_query: Optional[sa.Select] = None

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

    def issue(self, db: Connection, request: "RestRequest", user_row: Any, session: Any = None) -> dict[str, Any]:
        """A new access/refresh pair for ``user_row`` (a user row with its meta
        columns); a new session unless ``session`` (its row) continues one."""
        now = _now()
        config = self.app.config
        user_id = int(user_row.ID)
        refresh_exp = now + timedelta(seconds=config["refresh_token_ttl"])
        expiration = int(refresh_exp.replace(tzinfo=timezone.utc).timestamp())
        ip, agent = (request.remote_addr or "")[:45], (request.user_agent.string or "")[:255]
        if session is None:
            session_id, verifier = uuid.uuid4().hex, new_verifier()
            listed = self.wordpress.add(db, user_id, verifier, expiration, ip, agent)
            db.execute(sa.insert(self.sessions).values(
                id=session_id, user_id=user_id, created_at=now, last_used_at=now, ip=ip, user_agent=agent,
                pass_check=pass_check(user_row.user_pass), wp_verifier=verifier if listed else None,
            ))
        else:
            session_id = session.id
            values: dict[str, Any] = {"last_used_at": now}
            if session.wp_verifier:
                self.wordpress.extend(db, user_id, session.wp_verifier, expiration)
            else:  # begun before sessions were listed in WordPress: list it now
                verifier = new_verifier()
                if self.wordpress.add(db, user_id, verifier, expiration, ip, agent):
                    values["wp_verifier"] = verifier
            db.execute(sa.update(self.sessions).where(self.sessions.c.id == session_id).values(**values))
        base = {"iss": self.issuer(request), "sub": str(user_id), "iat": now.replace(tzinfo=timezone.utc),
                "sid": session_id, "ver": int(user_row.token_version or 0)}
        refresh_jti = secrets.token_urlsafe(24)
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

        One query: the user with its meta, its session row, and WordPress's list
        of its sessions.

        :raises InvalidToken: for a revoked session, an old token version, a
            blocked or deleted user, a password changed since the session began,
            or a session WordPress has ended; :raises TokenExpired: when expired.
        """
        claims = self.decode(token, "access", self.issuer(request))
        row = request.db.execute(self._caller(), {"lrn_sid": str(claims.get("sid", "")),
                                                  "lrn_uid": int(claims["sub"])}).first()
        if row is None or row.session_pass_check is None or not _still_valid(
                row, claims, row.session_pass_check, row.session_verifier, row.wp_session_tokens):
            raise InvalidToken()
        user = self.store.from_row(row)
        user.auth = {"method": "jwt", "sid": claims["sid"]}
        return user

    def _caller(self) -> sa.Select:
        """The one query of :meth:`authenticate`, built once: it runs on every
        authenticated request, and building it costs more than running it."""
        if self._caller_query is None:
            store, sessions = self.store, self.sessions
            users = store.users
            session = sa.and_(sessions.c.id == sa.bindparam("lrn_sid"), sessions.c.user_id == users.c.ID,
                              sessions.c.revoked_at.is_(None))
            self._caller_query = (
                store.select().add_columns(
                    sessions.c.pass_check.label("session_pass_check"),
                    sessions.c.wp_verifier.label("session_verifier"),
                    store.meta_value(users.c.ID, SESSION_TOKENS).label("wp_session_tokens"),
                ).select_from(users.outerjoin(sessions, session)).where(users.c.ID == sa.bindparam("lrn_uid")))
        return self._caller_query

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
        if user_row is None or not _still_valid(
                user_row, claims, session.pass_check, session.wp_verifier,
                self.store.get_meta(db, int(row.user_id), SESSION_TOKENS) if session.wp_verifier else None):
            raise InvalidToken()
        return user_row, self.issue(db, request, user_row, session)

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
        """End one session (and unlist it from WordPress's)."""
        sessions = self.sessions
        row = db.execute(sa.select(sessions.c.user_id, sessions.c.wp_verifier)
                         .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))).first()
        if row is None:
            return
        db.execute(sa.update(sessions).where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
                   .values(revoked_at=_now()))
        if row.wp_verifier:
            self.wordpress.remove(db, int(row.user_id), [row.wp_verifier])

    def revoke_all(self, db: Connection, user_id: int, *, except_session: Optional[str] = None) -> None:
        """End every session of the user (but ``except_session``), and unlist them
        from WordPress's (WordPress's own sessions stay)."""
        sessions = self.sessions
        live = sa.and_(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        if except_session:
            live = sa.and_(live, sessions.c.id != except_session)
        verifiers = [v for (v,) in db.execute(sa.select(sessions.c.wp_verifier).where(live)) if v]
        db.execute(sa.update(sessions).where(live).values(revoked_at=_now()))
        self.wordpress.remove(db, user_id, verifiers)

    def carry_over(self, db: Connection, user_id: int, old_hash: str, new_hash: str) -> None:
        """The same password was hashed anew (an upgrade at login): the user's
        sessions keep working under the new hash."""
        db.execute(sa.update(self.sessions).where(
            self.sessions.c.user_id == user_id, self.sessions.c.pass_check == pass_check(old_hash),
            self.sessions.c.revoked_at.is_(None),
        ).values(pass_check=pass_check(new_hash)))

    def purge_orphans(self, db: Connection) -> tuple[int, int]:
        """Delete sessions and refresh tokens whose user no longer exists (deleted
        in WordPress, which knows nothing of them): ``(sessions, refresh tokens)``."""
        users = self.store.users
        counts = []
        for table in (self.refresh_tokens, self.sessions):
            gone = ~sa.exists(sa.select(users.c.ID).where(users.c.ID == table.c.user_id))
            counts.append(db.execute(sa.delete(table).where(gone)).rowcount)
        return counts[1], counts[0]

    def count_orphans(self, db: Connection) -> tuple[int, int]:
        """How many sessions and refresh tokens :meth:`purge_orphans` would delete."""
        users = self.store.users
        counts = []
        for table in (self.sessions, self.refresh_tokens):
            gone = ~sa.exists(sa.select(users.c.ID).where(users.c.ID == table.c.user_id))
            counts.append(int(db.execute(sa.select(sa.func.count()).select_from(table).where(gone)).scalar() or 0))
        return counts[0], counts[1]

    def invalidate_user(self, db: Connection, user_id: int) -> int:
        """Every token issued to the user so far stops working; the new version."""
        version = self.store.bump_token_version(db, user_id, self.store.get_meta(db, user_id, self.store.TOKEN_VERSION))
        self.revoke_all(db, user_id)
        return version
