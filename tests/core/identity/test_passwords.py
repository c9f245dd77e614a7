"""Password hashes, against vectors made by WordPress's own algorithms (PHP 8.2,
WordPress's class-phpass.php, and WordPress 6.8's wp_hash_password / wp_fast_hash)."""

from __future__ import annotations

import pytest

from learnomy_core.identity.passwords import (
    check_password,
    fast_hash,
    hash_password,
    needs_rehash,
    verify_fast_hash,
)

LONG = "a" * 80 + "TAIL"
VECTORS = [
    # (password, hash made by WordPress's algorithm)
    ("correct horse", "3cb4e732631f47e6eb961f34554b7cde"),  # old MD5
    ("correct horse", "$P$B0g/LY8k6OJUMPNwDIEjJL/E4IojHb1"),  # phpass portable
    ("pässwörd ✓", "$P$BgFwGVvmTr0cua6ZCZBllq/Y0cJYgF/"),
    ("correct horse", "$wp$2y$10$SPaudA2u//sO1oDirp0CqOfthuHIOiMAPSo2ijx7eZj0IEXsaCieG"),  # 6.8+
    ("correct horse", "$wp$2y$12$Zaii3NyW.K1xdrFyrSPyfuKGjOBZi6vd.rHoO6o3o.T1KTT.1OVRq"),
    (LONG, "$wp$2y$10$Az8iWfuSkkfRidRRDYKRNO/YKfw6agbVHvi2aLzcMkOA25wHIWe.m"),
    ("correct horse", "$2y$10$lMUZhkCydVUFk/9WrW91.uW4ozycRxuUJNSwfsJ3HU09bi54ohEhO"),  # plain bcrypt
]


@pytest.mark.parametrize("password, hashed", VECTORS)
def test_wordpress_hashes_verify(password: str, hashed: str) -> None:
    assert check_password(password, hashed)
    assert not check_password(password + "x", hashed)


def test_plain_bcrypt_is_cut_at_72_bytes_as_php_does() -> None:
    hashed = "$2y$04$3.qlOCek.Y7Q1xSDN2rFV.3MlRmPjb4l8YfXE6v6FCUJvk10GsPyq"
    assert check_password("b" * 72 + "ignored", hashed)
    assert check_password("b" * 72 + "anything else", hashed)


def test_wordpress_68_keeps_entropy_past_72_bytes() -> None:
    hashed = VECTORS[5][1]
    assert not check_password("a" * 80 + "OTHER", hashed)


def test_passwords_over_4096_bytes_are_refused() -> None:
    long_password = "x" * 4097
    assert not check_password(long_password, hash_password(long_password[:4096], cost=4))
    assert check_password("x" * 4096, hash_password("x" * 4096, cost=4))


def test_new_hashes_are_wordpress_68_with_2y() -> None:
    hashed = hash_password("new secret", cost=4)
    assert hashed.startswith("$wp$2y$04$")
    assert check_password("new secret", hashed) and not check_password("other", hashed)


@pytest.mark.parametrize("hashed, cost, expected", [
    ("3cb4e732631f47e6eb961f34554b7cde", 10, True),
    ("$P$B0g/LY8k6OJUMPNwDIEjJL/E4IojHb1", 10, True),
    ("$2y$10$lMUZhkCydVUFk/9WrW91.uW4ozycRxuUJNSwfsJ3HU09bi54ohEhO", 10, True),
    ("$wp$2y$10$SPaudA2u//sO1oDirp0CqOfthuHIOiMAPSo2ijx7eZj0IEXsaCieG", 10, False),
    ("$wp$2y$12$Zaii3NyW.K1xdrFyrSPyfuKGjOBZi6vd.rHoO6o3o.T1KTT.1OVRq", 10, False),  # a shared site's cost 12 stays
    ("$wp$2y$10$SPaudA2u//sO1oDirp0CqOfthuHIOiMAPSo2ijx7eZj0IEXsaCieG", 11, True),
])
def test_needs_rehash(hashed: str, cost: int, expected: bool) -> None:
    assert needs_rehash(hashed, cost) is expected


def test_fast_hash_matches_wordpress() -> None:
    expected = "$generic$F6W18u0QEytvRVb59DemVWRxyTxU6vg_VK0s_f-h"
    assert fast_hash("abcdEFGH1234ijklMNOP5678") == expected
    assert verify_fast_hash("abcdEFGH1234ijklMNOP5678", expected)
    assert not verify_fast_hash("abcdEFGH1234ijklMNOP5679", expected)


def test_older_application_password_hashes_still_verify() -> None:
    assert verify_fast_hash("correct horse", "$P$B0g/LY8k6OJUMPNwDIEjJL/E4IojHb1")
