"""/api/backups with `backups.s3.enabled` (PATCH /api/settings): the archives live at the root of
that bucket, as PocketBase's NewBackupsFilesystem keeps them, on the suite's local S3 server. The
settings are read at each operation: turning S3 off brings the local folder back."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from bastion.config import Config
from tests.api.backups.conftest import notes_collection, zip_bytes
from tests.api.backups.test_backups_restore import count
from tests.conftest import ApiClient, fresh_pg_schema, second_app, settle_jobs, signed_in_api
from tests.support.s3_server import new_bucket_settings, s3_client
from tests.support.serve_process import free_port

SECRET = "backup-secret-do-not-show"


async def use_s3(api: ApiClient, s3: dict[str, Any], **backups: Any) -> None:
    r = await api.su("PATCH", "/api/settings", json={"backups": {"s3": s3, **backups}})
    assert r.status_code == 200, r.text


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def temp_leftovers(api: ApiClient) -> list[str]:
    temp = api.app.config.data_dir / ".pb_temp_to_delete"
    return sorted(p.name for p in temp.iterdir() if p.name != "backup.lock") if temp.exists() else []


async def test_create_list_download_upload_delete_in_the_bucket(sapi: ApiClient, s3_endpoint: str) -> None:
    s3 = new_bucket_settings(s3_endpoint)
    bucket = s3["bucket"]
    await use_s3(sapi, s3)

    assert (await sapi.su("POST", "/api/backups", json={"name": "first.zip"})).status_code == 204
    stored = objects(s3_endpoint, bucket)
    assert list(stored) == ["first.zip"]  # at the bucket's root, under its own name
    with zipfile.ZipFile(BytesIO(stored["first.zip"])) as zf:
        assert "data.db" in zf.namelist()
    assert not (sapi.app.config.data_dir / "backups" / "first.zip").exists()
    assert temp_leftovers(sapi) == []  # the local copy was removed once uploaded

    listed = (await sapi.su("GET", "/api/backups")).json()
    assert [(b["key"], b["size"]) for b in listed] == [("first.zip", len(stored["first.zip"]))]
    async with second_app(sapi) as other:  # another worker reads the same settings
        assert [b.key for b in await other.backups.list()] == ["first.zip"]

    token = (await sapi.su("POST", "/api/files/token")).json()["token"]
    r = await sapi.request("GET", f"/api/backups/first.zip?token={token}")
    assert r.status_code == 200
    assert r.content == stored["first.zip"]
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="first.zip"'
    assert r.headers["content-length"] == str(len(stored["first.zip"]))
    assert "sandbox" in r.headers["content-security-policy"]
    assert (await sapi.request("GET", f"/api/backups/missing.zip?token={token}")).status_code == 404

    r = await sapi.su("POST", "/api/backups", json={"name": "first.zip"})
    assert r.status_code == 400
    assert r.json()["data"]["name"]["code"] == "validation_backup_name_exists"

    archive = zip_bytes({"data.db": b"x"})
    r = await sapi.su("POST", "/api/backups/upload", files=[("file", ("up.zip", archive, "application/zip"))])
    assert (r.status_code, r.content) == (204, b"")
    assert objects(s3_endpoint, bucket)["up.zip"] == archive
    r = await sapi.su("POST", "/api/backups/upload", files=[("file", ("up.zip", archive, "application/zip"))])
    assert r.json()["data"]["file"]["code"] == "validation_backup_name_exists"

    assert (await sapi.su("DELETE", "/api/backups/up.zip")).status_code == 204
    assert list(objects(s3_endpoint, bucket)) == ["first.zip"]
    r = await sapi.su("DELETE", "/api/backups/up.zip")
    assert r.status_code == 400
    assert r.json()["message"].startswith("Invalid or already deleted backup file.")
    assert temp_leftovers(sapi) == []

    await use_s3(sapi, {"enabled": False})  # back to the local folder, at once
    assert (await sapi.su("GET", "/api/backups")).json() == []


async def test_restore_from_a_backup_in_the_bucket(sapi: ApiClient, s3_endpoint: str) -> None:
    await use_s3(sapi, new_bucket_settings(s3_endpoint))
    await notes_collection(sapi)
    assert (
        await sapi.su("POST", "/api/collections/notes/records", json={"title": "kept"})
    ).status_code == 200
    assert (await sapi.su("POST", "/api/backups", json={"name": "before.zip"})).status_code == 204
    assert (
        await sapi.su("POST", "/api/collections/notes/records", json={"title": "later"})
    ).status_code == 200
    assert await count(sapi, "notes") == 2

    r = await sapi.su("POST", "/api/backups/before.zip/restore")
    assert (r.status_code, r.content) == (204, b"")
    assert await count(sapi, "notes") == 1  # the record created after the backup is gone
    titles = [n["title"] for n in (await sapi.su("GET", "/api/collections/notes/records")).json()["items"]]
    assert titles == ["kept"]
    assert not any(name.startswith("pb_restore_zip") for name in temp_leftovers(sapi))
    r = await sapi.su("POST", "/api/backups/nope.zip/restore")
    assert (r.status_code, r.json()["message"]) == (400, "Missing or invalid backup file.")


async def test_the_cron_prunes_auto_backups_in_the_bucket(sapi: ApiClient, s3_endpoint: str) -> None:
    s3 = new_bucket_settings(s3_endpoint)
    client = s3_client(s3_endpoint)
    for key in ("@auto_pb_backup_acme_old1.zip", "@auto_pb_backup_acme_old2.zip", "manual.zip"):
        client.put_object(Bucket=s3["bucket"], Key=key, Body=b"PK\x03\x04")
    await use_s3(sapi, s3, cron="0 3 * * *", cronMaxKeep=1)

    assert (await sapi.su("POST", "/api/crons/__pbAutoBackup__")).status_code == 204
    await settle_jobs(sapi.app)

    keys = sorted(objects(s3_endpoint, s3["bucket"]))
    assert len(keys) == 2 and keys[1] == "manual.zip"  # a manual backup is never pruned
    assert keys[0].startswith("@auto_pb_backup_acme_2")  # the new one, not old1/old2
    assert not (sapi.app.config.data_dir / "backups").exists()


async def test_a_bucket_that_cannot_be_used_is_a_clean_error(sapi: ApiClient, s3_endpoint: str) -> None:
    missing = {**new_bucket_settings(s3_endpoint), "bucket": "bt-no-such-bucket", "secret": SECRET}
    await use_s3(sapi, missing)
    token = (await sapi.su("POST", "/api/files/token")).json()["token"]
    archive = zip_bytes({"data.db": b"x"})
    answers = {
        "list": await sapi.su("GET", "/api/backups"),
        "create": await sapi.su("POST", "/api/backups", json={}),
        "upload": await sapi.su(
            "POST", "/api/backups/upload", files=[("file", ("up.zip", archive, "application/zip"))]
        ),
        "download": await sapi.request("GET", f"/api/backups/x.zip?token={token}"),
        "delete": await sapi.su("DELETE", "/api/backups/x.zip"),
        "restore": await sapi.su("POST", "/api/backups/x.zip/restore"),
    }
    expected = {
        "list": (400, "Failed to retrieve backup items."),
        "create": (400, "Failed to create backup:"),
        "upload": (400, "Failed to upload backup."),
        "download": (500, "Failed to load backups filesystem."),
        "delete": (400, "Invalid or already deleted backup file."),
        "restore": (400, "Failed to restore the backup:"),
    }
    for what, r in answers.items():
        body = r.json()
        assert (r.status_code, body["message"][: len(expected[what][1])]) == expected[what], (what, body)
        assert "NoSuchBucket" in body["message"], (what, body)
        assert SECRET not in r.text and "Traceback" not in r.text and ".pb_temp_to_delete" not in r.text
    assert temp_leftovers(sapi) == []  # the archive written for the create was removed

    # nothing listens there: the connection error, once the client's retries are spent
    unreachable = {**missing, "endpoint": f"http://127.0.0.1:{free_port()}"}
    await use_s3(sapi, unreachable)
    r = await sapi.su("GET", "/api/backups")
    assert r.status_code == 400
    assert "Could not connect to the endpoint URL" in r.json()["message"]
    assert SECRET not in r.text


@pytest.mark.postgres
async def test_a_postgres_deployment_backs_up_to_and_restores_from_the_bucket(
    tmp_path: Path, s3_endpoint: str
) -> None:
    s3 = new_bucket_settings(s3_endpoint)
    async with (
        fresh_pg_schema() as url,
        signed_in_api(Config(data_dir=tmp_path / "data", database_url=url)) as api,
    ):
        await use_s3(api, s3)
        await notes_collection(api)
        assert (
            await api.su("POST", "/api/collections/notes/records", json={"title": "kept"})
        ).status_code == 200
        assert (await api.su("POST", "/api/backups", json={"name": "pg.zip"})).status_code == 204
        with zipfile.ZipFile(BytesIO(objects(s3_endpoint, s3["bucket"])["pg.zip"])) as zf:
            assert {"bastion_postgres.json", "postgres.dump"} <= set(zf.namelist())
        assert (
            await api.su("POST", "/api/collections/notes/records", json={"title": "later"})
        ).status_code == 200
        r = await api.su("POST", "/api/backups/pg.zip/restore")
        assert (r.status_code, r.content) == (204, b"")
        assert await count(api, "notes") == 1
