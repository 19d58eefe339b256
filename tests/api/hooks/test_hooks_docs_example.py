"""docs/hooks.md's worked example, run as written: the first Python block of the page is the hook
file, and the answers the page shows are the ones a client gets."""

from __future__ import annotations

import re
from pathlib import Path

from bastion.config import Config
from tests.api.hooks.hook_files import write_hooks
from tests.conftest import signed_in_api

DOC = Path(__file__).resolve().parents[3] / "docs" / "hooks.md"


def example() -> str:
    match = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert match is not None
    return match.group(1)


async def test_the_worked_example_answers_as_documented(tmp_path):
    folder = write_hooks(tmp_path / "bastion_hooks", posts=example())
    async with signed_in_api(Config(data_dir=tmp_path / "data", hooks_dir=str(folder))) as api:
        await api.create_collection(
            {
                "name": "posts",
                "createRule": "",
                "listRule": "",
                "viewRule": "",
                "updateRule": "",
                "deleteRule": "",
                "fields": [{"name": "title", "type": "text"}, {"name": "pinned", "type": "bool"}],
            }
        )
        r = await api.request("GET", "/api/hello/world")
        assert r.text == '{"message":"Hello world","auth":null}'
        r = await api.request("POST", "/api/collections/posts/records", json={"title": "spam"})
        assert r.text == (
            '{"data":{"title":{"code":"validation_spam","message":"This title is refused."}},'
            '"message":"Failed to create record.","status":400}'
        )
        r = await api.request("POST", "/api/collections/posts/records", json={})
        assert (r.status_code, r.json()["message"]) == (401, "Sign in to post without a title.")
        post = await api.create_record("posts", {"title": " hello ", "pinned": True})
        assert post["title"] == "HELLO"
        r = await api.request("DELETE", f"/api/collections/posts/records/{post['id']}")
        assert r.json()["data"]["pinned"]["message"] == "Unpin the post first."
        _, token = await api.create_user("user@example.com")
        pin = f"/api/posts/{post['id']}/pin"
        assert (await api.request("POST", pin, json={})).status_code == 401
        assert (await api.request("POST", pin, json={}, token=token)).status_code == 403
        r = await api.su("POST", pin, json={"note": "top"})
        assert r.json() == {"pinned": post["id"], "note": "top"}
