"""docs/hooks.md's worked examples, run as written: the first Python block of the page is the hook
file of posts, the one with `on_mailer_send` the mail and sign-in one, and the answers the page
shows are the ones a client gets."""

from __future__ import annotations

import re
from pathlib import Path

from bastion.config import Config
from tests.api.hooks.hook_files import write_hooks
from tests.api.oauth2.test_auth_with_oauth2 import (
    USER,
    authorize,
    enable_oauth2,
    login,
    oidc_config,
    provider_entry,
)
from tests.conftest import signed_in_api
from tests.support.oidc_provider import OidcProvider

DOC = Path(__file__).resolve().parents[3] / "docs" / "hooks.md"


def example(containing: str = "") -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    return next(b for b in blocks if containing in b)


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


async def test_the_mail_and_sign_in_example_answers_as_documented(tmp_path, smtp):
    folder = write_hooks(tmp_path / "bastion_hooks", accounts=example("on_mailer_send"))
    async with signed_in_api(Config(data_dir=tmp_path / "data", hooks_dir=str(folder))) as api:
        assert (await api.su("PATCH", "/api/settings", json=smtp.settings_patch())).status_code == 200
        with OidcProvider(USER) as idp:  # the provider's user is ada@example.com: no sign-up
            await enable_oauth2(api, oidc_config(idp))
            entry = await provider_entry(api)
            r = await login(api, entry, await authorize(entry))
            assert r.text == '{"data":{},"message":"Only Acme accounts may sign up.","status":403}'
        await api.create_record(
            "users", {"email": "ada@example.com", "password": "userpass123", "passwordConfirm": "userpass123"}
        )
        body = {"identity": "ada@example.com", "password": "userpass123"}
        r = await api.request("POST", "/api/collections/users/auth-with-password", json=body)
        assert r.status_code == 200 and r.json()["meta"] == {"via": "password"}
        await api.create_record(
            "users",
            {"email": "mallory@example.com", "password": "userpass123", "passwordConfirm": "userpass123"},
        )
        body = {"identity": "mallory@example.com", "password": "userpass123"}
        r = await api.request("POST", "/api/collections/users/auth-with-password", json=body)
        assert r.text == '{"data":{},"message":"This account is suspended.","status":403}'
        test_mail = {"email": "x@blocked.example", "template": "otp"}
        r = await api.su("POST", "/api/settings/test/email", json=test_mail)
        assert r.text == '{"data":{},"message":"Mail to this domain is refused.","status":400}'
        test_mail = {"email": "x@example.invalid", "template": "otp"}
        assert (await api.su("POST", "/api/settings/test/email", json=test_mail)).status_code == 204
        test_mail = {"email": "ada@example.com", "template": "verification", "collection": "users"}
        assert (await api.su("POST", "/api/settings/test/email", json=test_mail)).status_code == 204
        [mail] = smtp.to("ada@example.com")
        assert mail.subject == "Welcome to Acme: please confirm ada@example.com"
        assert mail.message["X-Acme-Mail"] == "verification"
        assert smtp.to("x@example.invalid") == smtp.to("x@blocked.example") == []


def test_every_decorator_is_documented():
    from bastion.hooks import Hooks

    names = sorted(n for n in vars(Hooks) if not n.startswith("_"))
    assert len(names) == 19
    text = DOC.read_text()
    assert [n for n in names if f"`{n}" not in text and f"hooks.{n}(" not in text] == []
