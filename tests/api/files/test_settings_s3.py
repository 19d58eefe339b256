"""POST /api/settings/test/s3 and switching storage through the settings' `s3` block."""

from __future__ import annotations

from tests.api.files.conftest import DOCS
from tests.conftest import ApiClient
from tests.support.s3_server import new_bucket_settings, s3_client

FAILED = "Failed to test the S3 filesystem."


async def test_s3_test_endpoint(api: ApiClient, s3_endpoint: str) -> None:
    url = "/api/settings/test/s3"
    assert (await api.request("POST", url, json={"filesystem": "storage"})).status_code == 401
    r = await api.su("POST", url, json={})
    assert r.json() == {
        "data": {"filesystem": {"code": "validation_required", "message": "Cannot be blank."}},
        "message": FAILED,
        "status": 400,
    }
    r = await api.su("POST", url, json={"filesystem": "x"})
    assert r.json()["data"]["filesystem"]["code"] == "validation_in_invalid"
    r = await api.su("POST", url, json={"filesystem": "storage"})
    assert r.json()["message"] == f"{FAILED} Raw error: \nS3 storage filesystem is not enabled."
    settings = new_bucket_settings(s3_endpoint)
    await api.su(
        "PATCH", "/api/settings", json={"s3": settings, "backups": {"s3": {**settings, "bucket": "nope"}}}
    )
    r = await api.su("POST", url, json={"filesystem": "storage"})
    assert r.status_code == 204, r.text
    assert await api.app.files.storage.list_keys("pb_settings_test_x/") == []
    r = await api.su("POST", url, json={"filesystem": "backups"})
    assert r.status_code == 400
    assert r.json()["message"].startswith(f"{FAILED} Raw error: \nfailed to upload a test file: ")


async def test_switching_storage_keeps_new_files_in_the_bucket(api: ApiClient, s3_endpoint: str) -> None:
    await api.create_collection(DOCS)
    settings = new_bucket_settings(s3_endpoint)
    await api.su("PATCH", "/api/settings", json={"s3": settings})
    r = await api.request("POST", "/api/collections/docs/records", files=[("many", ("a.txt", b"in s3", ""))])
    assert r.status_code == 200, r.text
    rec = r.json()
    client = s3_client(s3_endpoint)
    key = f"{rec['collectionId']}/{rec['id']}/{rec['many'][0]}"
    assert client.get_object(Bucket=settings["bucket"], Key=key)["Body"].read() == b"in s3"
    assert not (api.app.files.local.root / rec["collectionId"]).exists()
