"""WordPress's rules for user names: ``sanitize_user``, ``validate_username``,
``is_email`` and the nicename ``wp_insert_user`` derives from a login.

Ported from ``wp-includes/formatting.php`` and ``wp-includes/user.php`` (the same
in WordPress 6.1 and 6.8). Logins that WordPress would refuse or silently change
are refused here, so that every account made here is one WordPress can log in.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from ..errors import InvalidParams

__all__ = [
    "MAX_LOGIN_LENGTH",
    "MAX_EMAIL_LENGTH",
    "MAX_NICENAME_LENGTH",
    "sanitize_user",
    "validate_username",
    "is_email",
    "nicename_of",
    "nicename_candidates",
    "login_problems",
    "email_problems",
    "check_new_user",
]

MAX_LOGIN_LENGTH = 60  # wp_insert_user: "Username may not be longer than 60 characters."
MAX_EMAIL_LENGTH = 100  # {prefix}users.user_email is VARCHAR(100)
MAX_NICENAME_LENGTH = 50  # {prefix}users.user_nicename is VARCHAR(50)

_SCRIPT_OR_STYLE = re.compile(r"<(script|style)[^>]*?>.*?</\1>", re.IGNORECASE | re.DOTALL)
# PHP's strip_tags: "<" followed by a non-space starts a tag that runs to ">" (or the end).
_TAG = re.compile(r"<!--.*?(?:-->|$)|<[^\s<][^>]*(?:>|$)", re.DOTALL)
_OCTET = re.compile(r"%[a-fA-F0-9]{2}")
_ENTITY = re.compile(r"&.+?;")
_NOT_STRICT = re.compile(r"[^a-z0-9 _.\-@]", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Letters remove_accents() maps that Unicode does not decompose into a base letter.
_LETTERS = str.maketrans({
    "ß": "ss", "Æ": "AE", "æ": "ae", "Ð": "D", "ð": "d", "Ø": "O", "ø": "o", "Þ": "TH", "þ": "th",
    "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ĳ": "IJ", "ĳ": "ij", "ĸ": "k", "Ŀ": "L",
    "ŀ": "l", "Ł": "L", "ł": "l", "ŉ": "N", "Ŋ": "N", "ŋ": "n", "Œ": "OE", "œ": "oe", "Ŧ": "T",
    "ŧ": "t", "ſ": "s", "ª": "a", "º": "o", "€": "E", "£": "",
})
_EMAIL_LOCAL = re.compile(r"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.\-]+")
_EMAIL_SUB = re.compile(r"[a-z0-9\-]+", re.IGNORECASE)
_PHP_TRIM = " \t\n\r\0\x0b"


def _strip_all_tags(text: str) -> str:
    """``wp_strip_all_tags``: scripts and styles with their content, then every tag."""
    return _TAG.sub("", _SCRIPT_OR_STYLE.sub("", text)).strip(_PHP_TRIM)


def _remove_accents(text: str) -> str:
    """``remove_accents``: Latin letters without their accents (``José`` is ``Jose``).

    WordPress maps each letter by a table; Unicode's decomposition gives the same
    base letters, and the few letters that do not decompose are mapped as
    WordPress maps them.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def sanitize_user(username: str, strict: bool = False) -> str:
    """``sanitize_user``: what WordPress makes of a login before it stores or looks
    one up. Strict (as ``wp_insert_user`` stores logins) keeps only ASCII letters,
    digits, space, ``_``, ``.``, ``-`` and ``@``."""
    value = _strip_all_tags(username)
    value = _remove_accents(value)
    value = _OCTET.sub("", value)
    value = _ENTITY.sub("", value)
    if strict:
        value = _NOT_STRICT.sub("", value)
    return _SPACES.sub(" ", value.strip(_PHP_TRIM))


def validate_username(username: str) -> bool:
    """``validate_username``: strict sanitizing leaves it unchanged, and not empty."""
    return bool(username) and sanitize_user(username, strict=True) == username


def is_email(email: str) -> bool:
    """``is_email``: WordPress's own test, part by part (no DNS, no quoted locals)."""
    if len(email.encode("utf-8")) < 6 or email.find("@", 1) == -1:
        return False
    local, _, domain = email.partition("@")
    if not _EMAIL_LOCAL.fullmatch(local):
        return False
    if ".." in domain or domain.strip(_PHP_TRIM + ".") != domain:
        return False
    subs = domain.split(".")
    if len(subs) < 2:
        return False
    return all(sub.strip(_PHP_TRIM + "-") == sub and _EMAIL_SUB.fullmatch(sub) for sub in subs)


def nicename_of(login: str) -> str:
    """The nicename (author slug) ``wp_insert_user`` derives from a stored login:
    its first 50 characters through ``sanitize_title`` (lower case, ``.`` and
    spaces as ``-``, ``@`` dropped)."""
    title = sanitize_user(login, strict=True)[:MAX_NICENAME_LENGTH].lower().replace(".", "-")
    title = re.sub(r"[^%a-z0-9 _\-]", "", title)
    title = re.sub(r"\s+", "-", title)
    return re.sub(r"-+", "-", title).strip("-")


def nicename_candidates(nicename: str, limit: int = 1000) -> list[str]:
    """``nicename``, then ``nicename-2``, ``-3``..., cut so each fits in 50
    characters, as ``wp_insert_user`` tries them."""
    found = [nicename]
    for suffix in range(2, limit + 2):
        found.append(f"{nicename[:49 - len(str(suffix))]}-{suffix}")
    return found


def login_problems(login: str, param: str = "username") -> list[dict[str, str]]:
    """What WordPress refuses in a new login: characters ``sanitize_user`` would
    drop or change (``validate_username``), and more than 60 characters."""
    if not validate_username(login):
        return [{"param": param, "code": "rest_user_invalid_username",
                 "message": "This username is invalid because it uses illegal characters. "
                            "Please enter a valid username."}]
    if len(login) > MAX_LOGIN_LENGTH:
        return [{"param": param, "code": "user_login_too_long",
                 "message": f"Username may not be longer than {MAX_LOGIN_LENGTH} characters."}]
    return []


def email_problems(email: str, param: str = "email") -> list[dict[str, str]]:
    """What WordPress refuses in an email address (``is_email``), and what does
    not fit its column."""
    if len(email) > MAX_EMAIL_LENGTH:
        return [{"param": param, "code": "rest_user_invalid_email",
                 "message": f"The email address may not be longer than {MAX_EMAIL_LENGTH} characters."}]
    if not is_email(email):
        return [{"param": param, "code": "rest_user_invalid_email", "message": "Invalid email address."}]
    return []


def check_new_user(login: str, email: Optional[str], *, login_param: str = "username",
                   email_param: str = "email") -> None:
    """Refuse a new login or email WordPress would refuse.

    :raises InvalidParams: listing every problem (400 with ``details``).
    """
    problems = login_problems(login, login_param)
    if email is not None:
        problems += email_problems(email, email_param)
    if problems:
        raise InvalidParams(details=problems)
