"""A WordPress beside the app, for tests: the rows WordPress writes, in its formats,
and WordPress's own checks, ported from its PHP (WordPress 6.1.9 and 6.8.8, the
releases tried on a real install).

Nothing here calls the code under test to decide what WordPress would do, except
the hash primitives, whose output tests/core/identity/test_passwords.py holds to
vectors made by PHP with WordPress's own functions (phpass's ``crypt_private``,
``wp_fast_hash``, 6.8's ``wp_hash_password``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone
from typing import Any, Optional

import bcrypt
import phpserialize
import sqlalchemy as sa

from learnomy_core import LearnomyApp
from learnomy_core.identity.passwords import _ITOA64, _encode64, _phpass, check_password, fast_hash

# $wp_db_version of each release (wp-includes/version.php).
DB_VERSIONS = {"6.1.9": 53496, "6.7.2": 58975, "6.8.0": 58975, "6.8.8": 60421}
VERSIONS = ["6.1.9", "6.8.8"]


def php_serialize(value: Any) -> str:
    return phpserialize.dumps(value).decode()


def php_unserialize(raw: Optional[str]) -> Any:
    return phpserialize.loads(raw.encode(), decode_strings=True) if raw else None


def _caps(*names: str) -> dict[str, bool]:
    return dict.fromkeys(names, True)


def populate_roles() -> dict[str, dict[str, Any]]:
    """wp-admin/includes/schema.php's populate_roles(), the same in 6.1 and 6.8:
    the roles and capabilities of a fresh install, in the order they are added."""
    levels = [f"level_{n}" for n in range(10, -1, -1)]
    roles = {
        "administrator": {"name": "Administrator", "capabilities": _caps(
            "switch_themes", "edit_themes", "activate_plugins", "edit_plugins", "edit_users", "edit_files",
            "manage_options", "moderate_comments", "manage_categories", "manage_links", "upload_files", "import",
            "unfiltered_html", "edit_posts", "edit_others_posts", "edit_published_posts", "publish_posts",
            "edit_pages", "read", *levels)},
        "editor": {"name": "Editor", "capabilities": _caps(
            "moderate_comments", "manage_categories", "manage_links", "upload_files", "unfiltered_html",
            "edit_posts", "edit_others_posts", "edit_published_posts", "publish_posts", "edit_pages", "read",
            *levels[3:])},
        "author": {"name": "Author", "capabilities": _caps(
            "upload_files", "edit_posts", "edit_published_posts", "publish_posts", "read", *levels[8:])},
        "contributor": {"name": "Contributor", "capabilities": _caps("edit_posts", "read", *levels[9:])},
        "subscriber": {"name": "Subscriber", "capabilities": _caps("read", "level_0")},
    }
    for role in ("administrator", "editor"):  # populate_roles_210
        roles[role]["capabilities"].update(_caps(
            "edit_others_pages", "edit_published_pages", "publish_pages", "delete_pages", "delete_others_pages",
            "delete_published_pages", "delete_posts", "delete_others_posts", "delete_published_posts",
            "delete_private_posts", "edit_private_posts", "read_private_posts", "delete_private_pages",
            "edit_private_pages", "read_private_pages"))
    roles["administrator"]["capabilities"].update(_caps("delete_users", "create_users"))
    roles["author"]["capabilities"].update(_caps("delete_posts", "delete_published_posts"))
    roles["contributor"]["capabilities"].update(_caps("delete_posts"))
    roles["administrator"]["capabilities"].update(_caps(  # 230 .. 300
        "unfiltered_upload", "edit_dashboard", "update_plugins", "delete_plugins", "install_plugins",
        "update_themes", "install_themes", "update_core", "list_users", "remove_users", "promote_users",
        "edit_theme_options", "delete_themes", "export"))
    return roles


class WordPress:
    """One WordPress install sharing the app's database and table prefix."""

    def __init__(self, app: LearnomyApp, version: str = "6.8.8") -> None:
        self.app = app
        self.version = version
        self.engine = app.storage.engine
        self.prefix = app.config["table_prefix"]
        self.options = app.tables["options"]
        self.users = app.tables["users"]
        self.usermeta = app.tables["usermeta"]

    @property
    def is_68(self) -> bool:
        """Whether this release hashes the 6.8 way ($wp$ bcrypt, $generic$ fast hashes)."""
        return tuple(int(part) for part in self.version.split(".")) >= (6, 8)

    # -- options ---------------------------------------------------------------

    def install(self, **options: str) -> "WordPress":
        """wp_install(): the options these tests depend on (populate_options, populate_roles)."""
        values = {
            "siteurl": "https://school.example", "home": "https://school.example", "blogname": "School",
            "db_version": str(DB_VERSIONS[self.version]), "users_can_register": "0",
            "default_role": "subscriber", "permalink_structure": "/%postname%/", "WPLANG": "",
            "show_avatars": "1", f"{self.prefix}user_roles": php_serialize(populate_roles()),
        }
        values.update(options)
        with self.engine.begin() as db:
            for name, value in values.items():
                self._update_option(db, name, value)
        return self

    def _update_option(self, db: Any, name: str, value: str) -> None:
        options = self.options
        if db.execute(sa.update(options).where(options.c.option_name == name).values(option_value=value)).rowcount:
            return
        db.execute(sa.insert(options).values(option_name=name, option_value=value, autoload="yes"))

    def option(self, name: str) -> Optional[str]:
        with self.engine.connect() as db:
            return db.execute(sa.select(self.options.c.option_value)
                              .where(self.options.c.option_name == name)).scalar()

    def update_option(self, name: str, value: str) -> None:
        with self.engine.begin() as db:
            self._update_option(db, name, value)

    def delete_option(self, name: str) -> None:
        with self.engine.begin() as db:
            db.execute(sa.delete(self.options).where(self.options.c.option_name == name))

    def roles(self) -> dict[str, Any]:
        return php_unserialize(self.option(f"{self.prefix}user_roles"))

    def save_roles(self, roles: dict[str, Any]) -> None:
        self.update_option(f"{self.prefix}user_roles", php_serialize(roles))

    # -- hashes ------------------------------------------------------------------

    def hash_password(self, password: str) -> str:
        """wp_hash_password() of this release."""
        password = password.strip(" \t\n\r\0\x0b")
        if self.is_68:
            prehashed = base64_hmac(password)
            return "$wp" + bcrypt.hashpw(prehashed, bcrypt.gensalt(10)).decode().replace("$2b$", "$2y$", 1)
        return _phpass(password.encode(), "$P$B" + _encode64(secrets.token_bytes(6), 6))

    def check_password(self, password: str, hashed: str) -> bool:
        """wp_check_password() of this release."""
        if len(hashed) <= 32:
            return hmac.compare_digest(hashed, hashlib.md5(password.encode()).hexdigest())
        if self.is_68:
            return check_password(password, hashed)
        # 6.1: PasswordHash( 8, true )->CheckPassword(): crypt_private, else crypt().
        if hashed[:3] in ("$P$", "$H$"):
            return _phpass(password.encode(), hashed) == hashed
        if hashed.startswith(("$2y$", "$2a$", "$2b$")):
            try:
                return bcrypt.checkpw(password.encode()[:72], hashed.encode())
            except ValueError:
                return False
        return False  # crypt() knows no "$wp$" nor "$generic$"

    def check_app_password(self, password: str, hashed: str) -> bool:
        """WP_Application_Passwords::check_password() of this release."""
        if self.is_68 and hashed.startswith("$generic$"):
            return hmac.compare_digest(fast_hash(password), hashed)
        return self.check_password(password, hashed)

    # -- users ---------------------------------------------------------------------

    def insert_user(self, login: str, email: str, password: str, role: str = "subscriber",
                    nicename: Optional[str] = None, **meta: str) -> int:
        """wp_insert_user() for a valid new login: the row, its meta, its role."""
        with self.engine.begin() as db:
            user_id = int(db.execute(sa.insert(self.users).values(
                user_login=login, user_pass=self.hash_password(password), user_nicename=nicename or login.lower(),
                user_email=email, user_url="", user_registered=datetime.now(timezone.utc).replace(
                    tzinfo=None, microsecond=0), user_activation_key="", user_status=0, display_name=login,
            )).inserted_primary_key[0])
            values = {"nickname": login, "first_name": "", "last_name": "", "description": "",
                      "rich_editing": "true", "syntax_highlighting": "true", "comment_shortcuts": "false",
                      "admin_color": "fresh", "use_ssl": "0", "show_admin_bar_front": "true", "locale": "",
                      **meta}
            for key, value in values.items():
                db.execute(sa.insert(self.usermeta).values(user_id=user_id, meta_key=key, meta_value=value))
        self.set_role(user_id, role)
        return user_id

    def set_role(self, user_id: int, role: str) -> None:
        """WP_User::set_role(): the capabilities array and user_level."""
        levels = [int(cap[6:]) for cap, on in self.roles().get(role, {}).get("capabilities", {}).items()
                  if cap.startswith("level_") and on]
        self.set_meta(user_id, f"{self.prefix}capabilities", php_serialize({role: True}))
        self.set_meta(user_id, f"{self.prefix}user_level", str(max(levels, default=0)))

    def meta(self, user_id: int, key: str) -> Optional[str]:
        with self.engine.connect() as db:
            return db.execute(sa.select(self.usermeta.c.meta_value).where(
                self.usermeta.c.user_id == user_id, self.usermeta.c.meta_key == key)).scalar()

    def set_meta(self, user_id: int, key: str, value: str) -> None:
        meta = self.usermeta
        with self.engine.begin() as db:
            if not db.execute(sa.update(meta).where(meta.c.user_id == user_id, meta.c.meta_key == key)
                              .values(meta_value=value)).rowcount:
                db.execute(sa.insert(meta).values(user_id=user_id, meta_key=key, meta_value=value))

    def delete_meta(self, user_id: int, key: str) -> None:
        with self.engine.begin() as db:
            db.execute(sa.delete(self.usermeta).where(self.usermeta.c.user_id == user_id,
                                                      self.usermeta.c.meta_key == key))

    def user(self, login: str) -> Any:
        with self.engine.connect() as db:
            return db.execute(sa.select(self.users).where(self.users.c.user_login == login)).first()

    def user_pass(self, user_id: int) -> str:
        with self.engine.connect() as db:
            return db.execute(sa.select(self.users.c.user_pass).where(self.users.c.ID == user_id)).scalar()

    def set_password(self, user_id: int, password: str) -> None:
        """wp_set_password(): a new hash, the reset key cleared."""
        with self.engine.begin() as db:
            db.execute(sa.update(self.users).where(self.users.c.ID == user_id)
                       .values(user_pass=self.hash_password(password), user_activation_key=""))

    def delete_user(self, user_id: int) -> None:
        """wp_delete_user(): its meta, then its row (nothing of this project's)."""
        with self.engine.begin() as db:
            db.execute(sa.delete(self.usermeta).where(self.usermeta.c.user_id == user_id))
            db.execute(sa.delete(self.users).where(self.users.c.ID == user_id))

    def can_log_in(self, name: str, password: str) -> bool:
        """wp_authenticate(): the name as a login, then as an email, the password trimmed."""
        password = password.strip(" \t\n\r\0\x0b")
        with self.engine.connect() as db:
            rows = [db.execute(sa.select(self.users).where(self.users.c.user_login == name)).first()]
            if "@" in name:
                rows.append(db.execute(sa.select(self.users).where(self.users.c.user_email == name)).first())
        return any(row is not None and self.check_password(password, row.user_pass) for row in rows)

    def user_can(self, user_id: int, capability: str) -> bool:
        """WP_User::has_cap() for a plain capability: its roles' capabilities, then its own."""
        return bool(self.allcaps(user_id).get(capability))

    def allcaps(self, user_id: int) -> dict[str, Any]:
        """WP_User::get_role_caps()."""
        registry = self.roles()
        granted = php_unserialize(self.meta(user_id, f"{self.prefix}capabilities")) or {}
        allcaps: dict[str, Any] = {}
        for role in [name for name in granted if name in registry]:
            allcaps.update(registry[role]["capabilities"])
        allcaps.update(granted)
        return allcaps

    # -- application passwords -------------------------------------------------------

    def app_password_works(self, login: str, secret: str) -> bool:
        """wp_authenticate_application_password() on a REST request."""
        if not self.option("using_application_passwords"):
            return False  # WP_Application_Passwords::is_in_use()
        row = self.user(login)
        if row is None:
            return False
        secret = "".join(c for c in secret if c.isalnum())
        items = php_unserialize(self.meta(row.ID, "_application_passwords")) or {}
        return any(self.check_app_password(secret, item["password"]) for item in items.values())

    def create_app_password(self, user_id: int, name: str) -> str:
        """WP_Application_Passwords::create_new_application_password(); the secret."""
        secret = "".join(secrets.choice(_ITOA64[2:]) for _ in range(24))
        hashed = fast_hash(secret) if self.is_68 else _phpass(secret.encode(), "$P$B" + _encode64(
            secrets.token_bytes(6), 6))
        items = list((php_unserialize(self.meta(user_id, "_application_passwords")) or {}).values())
        items.append({"uuid": "0b0c0d0e-1111-4222-8333-444455556666", "app_id": "", "name": name,
                      "password": hashed, "created": int(time.time()), "last_used": None, "last_ip": None})
        self.set_meta(user_id, "_application_passwords", php_serialize(items))
        if not self.option("using_application_passwords"):
            self.update_option("using_application_passwords", "1")
        return secret

    # -- sessions ------------------------------------------------------------------------

    def sessions(self, user_id: int) -> dict[str, Any]:
        return php_unserialize(self.meta(user_id, "session_tokens")) or {}

    def log_in_browser(self, user_id: int) -> str:
        """WP_Session_Tokens::create() for a browser login; the verifier."""
        token = secrets.token_urlsafe(32)
        verifier = hashlib.sha256(token.encode()).hexdigest()
        sessions = {k: v for k, v in self.sessions(user_id).items() if v["expiration"] >= time.time()}
        sessions[verifier] = {"expiration": int(time.time()) + 14 * 86400, "ip": "198.51.100.7",
                              "ua": "Firefox", "login": int(time.time())}
        self.set_meta(user_id, "session_tokens", php_serialize(sessions))
        return verifier

    def log_out_browser(self, user_id: int, verifier: str) -> None:
        """WP_Session_Tokens::destroy() (wp_logout): that entry only."""
        sessions = {k: v for k, v in self.sessions(user_id).items() if k != verifier}
        if sessions:
            self.set_meta(user_id, "session_tokens", php_serialize(sessions))
        else:
            self.delete_meta(user_id, "session_tokens")

    def log_out_everywhere(self, user_id: int) -> None:
        """destroy_all(): "Log Out Everywhere" on the user's profile."""
        self.delete_meta(user_id, "session_tokens")

    def log_out_everywhere_else(self, user_id: int, verifier: str) -> None:
        """destroy_others(): only the current browser's session stays."""
        kept = self.sessions(user_id)[verifier]
        self.set_meta(user_id, "session_tokens", php_serialize({verifier: kept}))


def base64_hmac(password: str) -> bytes:
    """6.8's bcrypt input: base64( hash_hmac( 'sha384', $password, 'wp-sha384', true ) )."""
    import base64

    return base64.b64encode(hmac.new(b"wp-sha384", password.encode(), hashlib.sha384).digest())


def settings(app: LearnomyApp, **groups: Any) -> None:
    """Store settings groups as the app does (JSON option rows)."""
    with app.storage.engine.begin() as db:
        app.settings.update(db, groups)


__all__ = ["WordPress", "VERSIONS", "DB_VERSIONS", "populate_roles", "php_serialize", "php_unserialize",
           "settings"]
