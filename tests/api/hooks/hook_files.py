"""The hook files the hooks scenarios load (written into a test's hooks folder)."""

from __future__ import annotations

from pathlib import Path

POSTS = """
import json
from pathlib import Path

from bastion.hooks import HookError, ValidationError, hooks

AFTER = Path(__file__).with_name("after.jsonl")


def explode():
    return 1 // 0  # RAISES-HERE


@hooks.on_record_create("posts")
@hooks.on_record_update("posts")
def shout(e):
    title = e.record["title"]
    if title == "boom":
        explode()
    if title == "forbidden":
        raise HookError(403, "Posts like this are closed.")
    if title == "bad":
        e.add_error("title", "Bad titles are refused.", "validation_bad_title")
    if title == "worse":
        raise ValidationError({"title": "Worse still."})
    e.record["title"] = title.upper()


@hooks.on_record_create_request("posts")
async def defaults(e):
    if e.body.get("title") == "guests-only" and e.auth is not None:
        raise HookError(403, "Only guests may post this.")
    e.body.setdefault("title", "untitled")


@hooks.on_record_delete("posts")
def keep(e):
    if e.record["title"] == "KEEP":
        raise HookError(403, "This post stays.")


@hooks.on_record_after_update_success("posts")
def after_update(e):
    if e.record["title"] == "AFTER-BOOM":
        raise RuntimeError("after boom")  # AFTER-RAISES-HERE


@hooks.on_record_after_create_success("posts")
@hooks.on_record_after_delete_success("posts")
async def remember(e):
    stored = await e.records.find("posts", e.record.id)
    line = {"action": e.action, "id": e.record.id, "stored": stored["title"] if stored else None}
    with AFTER.open("a") as f:
        f.write(json.dumps(line) + "\\n")
"""

ROUTES = """
from __future__ import annotations

import dataclasses
from typing import ClassVar

from bastion.hooks import hooks


@dataclasses.dataclass
class Greeting:  # a hook file is a module as others are (dataclasses look it up)
    word: ClassVar[str] = "Hello"
    name: str

    def text(self) -> str:
        return f"{self.word} {self.name}"


@hooks.route("GET", "/api/hello/{name}")
async def hello(e):
    return {"message": Greeting(e.path_params["name"]).text(), "auth": e.auth.id if e.auth else None}


@hooks.route("POST", "/api/private/echo")
async def echo(e):
    user = e.require_auth("users")
    return e.json(201, {"by": user.id, "body": await e.body()})


@hooks.route("GET", "/api/route-boom")
def route_boom(e):
    raise RuntimeError("route boom")  # ROUTE-RAISES-HERE


@hooks.route("GET", "/api/health")
def shadowed(e):
    return {"hook": True}
"""

CRONS = """
from pathlib import Path

from bastion.hooks import hooks

TICKS = Path(__file__).with_name("ticks.txt")


@hooks.cron("tick", "*/5 * * * *")
async def tick(e):
    with TICKS.open("a") as f:
        f.write(e.cron_id + "\\n")


@hooks.cron("broken", "@yearly")
def broken(e):
    raise ValueError("cron boom")  # CRON-RAISES-HERE
"""

AUDIT = """
from bastion.hooks import hooks


@hooks.on_record_create("posts")
async def audit(e):
    # in the post's own transaction: rolled back with it
    await e.records.create("audit", {"note": f"create {e.record['title']}"})


@hooks.route("GET", "/api/audit")
async def audit_notes(e):
    found = await e.records.as_auth(e.auth).list("audit", filter="note ~ 'create'", sort="-note")
    return {"notes": [r["note"] for r in found]}
"""


def write_hooks(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.py").write_text(text)
    return folder


def line_of(path: Path, marker: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if marker in line)


def install_plugin(site: Path, dist: str, module: str, source: str, target: str) -> None:
    """What `pip install` leaves in site-packages: the module, and the distribution's metadata."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"  # the name escaped, as pip writes it
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[bastion.plugins]\n{dist} = {target}\n")
