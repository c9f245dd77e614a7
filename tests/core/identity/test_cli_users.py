"""``learnomy user create | set-role | list``."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnomy_core.cli import main


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", url)
    monkeypatch.setenv("LEARNOMY_BCRYPT_COST", "4")
    assert main(["db", "upgrade"]) == 0
    return url


def test_create_set_role_and_list(database: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["user", "create", "ivy", "ivy@example.org", "--role", "lrn_instructor", "--password", "pw123456"]) == 0
    assert main(["user", "set-role", "ivy", "administrator"]) == 0
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    assert "ivy  ivy@example.org  administrator" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["user", "create", "x", "x@example.org", "--role", "wizard", "--password", "pw123456"],
    ["user", "set-role", "ghost", "administrator"],
    ["user", "set-role", "ivy", "wizard"],
])
def test_refusals(database: str, argv: list[str]) -> None:
    main(["user", "create", "ivy", "ivy@example.org", "--password", "pw123456"])
    assert main(argv) == 1


def test_duplicate_user(database: str) -> None:
    assert main(["user", "create", "ivy", "ivy@example.org", "--password", "pw123456"]) == 0
    assert main(["user", "create", "ivy", "other@example.org", "--password", "pw123456"]) == 1
