"""Generated backup names as PocketBase's generateBackupName and inflector.Snakecase make them."""

from __future__ import annotations

from datetime import UTC, datetime

from bastion.backups.backup_names import AUTO_PREFIX, MANUAL_PREFIX, generate_name, is_plain_key, snake_case

MOMENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_snake_case_as_pocketbase() -> None:
    assert snake_case("Acme") == "acme"
    assert snake_case("My App") == "my_app"
    assert snake_case("myApp-v2!") == "my_app_v2"
    assert snake_case("HTTPServer") == "httpserver"
    assert snake_case("") == ""


def test_generated_names() -> None:
    assert generate_name(MANUAL_PREFIX, "Acme", MOMENT) == "pb_backup_acme_20260102030405.zip"
    assert generate_name(AUTO_PREFIX, "My App", MOMENT) == "@auto_pb_backup_my_app_20260102030405.zip"
    assert generate_name(MANUAL_PREFIX, "x" * 80, MOMENT) == f"pb_backup_{'x' * 50}_20260102030405.zip"


def test_only_plain_names_are_keys() -> None:
    assert is_plain_key("a.zip") and is_plain_key("@auto_pb_backup_x.zip")
    for bad in ("", ".hidden.zip", "../a.zip", "a/b.zip", "a\\b.zip"):
        assert not is_plain_key(bad), bad
