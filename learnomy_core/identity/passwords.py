"""WordPress's password hashes: verified in ``wp_check_password``'s order, written
in the WordPress 6.8+ format (or phpass, for a site on WordPress 6.7 or earlier).

Formats accepted (the first that applies decides):

1. longer than 4096 bytes: refused;
2. a hash of 32 characters or fewer: WordPress's old unsalted MD5;
3. ``$P$``: phpass portable (WordPress before 6.8);
4. ``$wp``: WordPress 6.8+, bcrypt over base64(HMAC-SHA384(password, "wp-sha384"));
5. anything else: ``password_verify`` (plain bcrypt, cut at 72 bytes as PHP does).

New hashes are ``$wp$2y$<cost>$...``; :func:`hash_phpass` writes the ``$P$B...``
hashes of WordPress before 6.8 (``PasswordHash(8, true)``), for sites that cannot
read 6.8's (see :mod:`learnomy_core.identity.wordpress`). As ``wp_hash_password``
does, both hash the password without surrounding whitespace. :func:`needs_rehash`
says when a stored hash should be upgraded after a successful login: any legacy
format, and bcrypt only when its cost is below ours (a shared WordPress site may
use cost 12).

Application passwords and reset keys use :func:`fast_hash` (``$generic$`` +
keyed BLAKE2b, WordPress 6.8's ``wp_fast_hash``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import bcrypt

__all__ = [
    "MAX_PASSWORD_BYTES",
    "hash_password",
    "hash_phpass",
    "trim_password",
    "check_password",
    "needs_rehash",
    "fast_hash",
    "verify_fast_hash",
    "dummy_check",
    "dummy_hash",
    "verifies_cheaper",
]

MAX_PASSWORD_BYTES = 4096
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_FAST_HASH_KEY = b"wp_fast_hash_6.8+"
_PHP_TRIM = " \t\n\r\0\x0b"
_PHPASS_ROUNDS_LOG2 = 8  # WordPress's PasswordHash( 8, true )


def trim_password(password: str) -> str:
    """PHP's ``trim``: what ``wp_hash_password`` hashes and ``wp_authenticate`` checks."""
    return password.strip(_PHP_TRIM)


def _prehash(password: bytes) -> bytes:
    """WordPress 6.8's bcrypt input: keeps the entropy of passwords over 72 bytes."""
    return base64.b64encode(hmac.new(b"wp-sha384", password, hashlib.sha384).digest())


def _bcrypt_verify(password: bytes, hashed: str) -> bool:
    if not hashed.startswith(("$2y$", "$2a$", "$2b$", "$2x$")):
        return False
    try:
        # PHP's password_verify looks at the first 72 bytes only.
        return bcrypt.checkpw(password[:72], hashed.encode())
    except ValueError:
        return False


def hash_password(password: str, cost: int = 10) -> str:
    """The WordPress 6.8+ hash of ``password``: ``$wp$2y$...``."""
    hashed = bcrypt.hashpw(_prehash(trim_password(password).encode()), bcrypt.gensalt(cost)).decode()
    return "$wp$2y$" + hashed[4:]


def hash_phpass(password: str) -> str:
    """The hash WordPress before 6.8 writes: phpass portable, ``$P$B`` + 8 salt
    characters + 22 of digest (2^8 rounds of MD5)."""
    setting = "$P$" + _ITOA64[min(_PHPASS_ROUNDS_LOG2 + 5, 30)] + _encode64(secrets.token_bytes(6), 6)
    return _phpass(trim_password(password).encode(), setting)


def check_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed`` in any format WordPress accepts."""
    raw = password.encode()
    if len(raw) > MAX_PASSWORD_BYTES or not hashed:
        return False
    if len(hashed) <= 32:
        return hmac.compare_digest(hashed.encode(), hashlib.md5(raw).hexdigest().encode())
    if hashed.startswith("$P$"):
        return hmac.compare_digest(hashed.encode(), _phpass(raw, hashed).encode())
    if hashed.startswith("$wp"):
        return _bcrypt_verify(_prehash(raw), hashed[3:])
    return _bcrypt_verify(raw, hashed)


def needs_rehash(hashed: str, cost: int = 10) -> bool:
    """Whether a hash that just verified should be rewritten in our format."""
    if not hashed.startswith("$wp$2"):
        return True
    try:
        return int(hashed.split("$")[3]) < cost
    except (IndexError, ValueError):
        return True


def dummy_hash(cost: int = 10) -> str:
    """A hash in our format at ``cost`` that no password matches; made once per
    process and cost (making it costs as much as a check)."""
    hashed = _DUMMY_HASHES.get(cost)
    if hashed is None:
        # Two threads may both make one on first use; either will do.
        hashed = _DUMMY_HASHES[cost] = hash_password(secrets.token_urlsafe(32), cost)
    return hashed


def dummy_check(cost: int = 10) -> None:
    """Spend what checking a wrong password against one of our hashes costs (one
    bcrypt verify at ``cost``, nothing more), so an unknown user answers as slowly
    as a known one."""
    check_password("not the password", dummy_hash(cost))


def verifies_cheaper(hashed: str, cost: int = 10) -> bool:
    """Whether checking ``hashed`` costs less than checking a hash of ours at ``cost``:
    WordPress's old MD5 and phpass hashes, and bcrypt of a lower cost."""
    body = hashed[3:] if hashed.startswith("$wp$") else hashed
    if not body.startswith(("$2y$", "$2a$", "$2b$", "$2x$")):
        return True
    try:
        return int(body[4:6]) < cost
    except ValueError:
        return True


_DUMMY_HASHES: dict[int, str] = {}


def _phpass(password: bytes, setting: str) -> str:
    """phpass's portable hash (``crypt_private``); ``*0`` for a malformed setting."""
    if len(setting) < 12 or setting[3] not in _ITOA64:
        return "*0"
    count_log2 = _ITOA64.index(setting[3])
    if not 7 <= count_log2 <= 30:
        return "*0"
    salt = setting[4:12].encode()
    digest = hashlib.md5(salt + password).digest()
    for _ in range(1 << count_log2):
        digest = hashlib.md5(digest + password).digest()
    return setting[:12] + _encode64(digest, 16)


def _encode64(data: bytes, count: int) -> str:
    output = []
    i = 0
    while True:
        value = data[i]
        i += 1
        output.append(_ITOA64[value & 0x3F])
        if i < count:
            value |= data[i] << 8
        output.append(_ITOA64[(value >> 6) & 0x3F])
        if i >= count:
            break
        i += 1
        if i < count:
            value |= data[i] << 16
        output.append(_ITOA64[(value >> 12) & 0x3F])
        if i >= count:
            break
        i += 1
        output.append(_ITOA64[(value >> 18) & 0x3F])
        if i >= count:
            break
    return "".join(output)


def fast_hash(message: str) -> str:
    """WordPress 6.8's ``wp_fast_hash``: ``$generic$`` + base64url(BLAKE2b-240, keyed)."""
    digest = hashlib.blake2b(message.encode(), key=_FAST_HASH_KEY, digest_size=30).digest()
    return "$generic$" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verify_fast_hash(message: str, hashed: str) -> bool:
    """``wp_verify_fast_hash``: ``$generic$`` hashes, else any password hash format."""
    if hashed.startswith("$generic$"):
        return hmac.compare_digest(fast_hash(message).encode(), hashed.encode())
    return check_password(message, hashed)
