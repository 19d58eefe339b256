"""Clients generated from the live OpenAPI document work against the live server.

A real `bastion serve` gets a typed collection; its document (as a superuser reads it) is fed to
openapi-typescript (+ openapi-fetch, type-checked by tsc in strict mode, then run by node) and to
openapi-python-client (imported and called); each runs a short typed flow: create, a refused
create, list with filter and sort, view. The TypeScript flow also carries `@ts-expect-error`
lines, so tsc fails if the document stopped typing a field (a number, a select's values, a
required field, the known paths).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, skip_or_fail
from tests.support.npm_ci import ensure_npm_ci
from tests.support.serve_process import BASTION, serving

HERE = Path(__file__).parent
VENV_BIN = Path(sys.executable).parent
POSTS = {
    "name": "posts",
    "listRule": "",
    "viewRule": "",
    "createRule": "",
    "fields": [
        {"name": "title", "type": "text", "required": True, "max": 80},
        {"name": "views", "type": "number", "onlyInt": True, "min": 0},
        {"name": "kind", "type": "select", "values": ["news", "blog"], "maxSelect": 1},
        {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
        {"name": "due", "type": "date"},
        {"name": "created", "type": "autodate", "onCreate": True},
    ],
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """(base URL, superuser token, the document's file)."""
    work = tmp_path_factory.mktemp("clients")
    data = work / "data"
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data)],
        check=True,
        capture_output=True,
    )
    with serving(data) as (_, base):
        with httpx.Client(base_url=base, timeout=30) as http:
            r = http.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
            )
            token = r.json()["token"]
            http.post("/api/collections", headers={"Authorization": token}, json=POSTS).raise_for_status()
            document = work / "openapi.json"
            document.write_bytes(http.get("/api/openapi.json", headers={"Authorization": token}).content)
        yield base, token, document


def test_a_typescript_client_generated_from_the_document_type_checks_and_works(
    live: tuple[str, str, Path], tmp_path: Path
) -> None:
    base, token, document = live
    if shutil.which("node") is None:
        skip_or_fail("node is not installed")
    try:
        ensure_npm_ci(HERE)
    except FileNotFoundError as exc:
        skip_or_fail(str(exc))
    for name in ("flow.ts", "tsconfig.json", "package.json"):
        shutil.copy(HERE / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(HERE / "node_modules")
    bin_dir = HERE / "node_modules" / ".bin"
    _run([bin_dir / "openapi-typescript", document, "-o", "api.d.ts"], tmp_path)
    _run([bin_dir / "tsc", "-p", "tsconfig.json"], tmp_path)  # strict; fails on any type error
    out = _run(["node", "out/flow.js", base, token], tmp_path)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["created"]["title"] == "typed from TypeScript" and result["created"]["views"] == 3
    assert result["created"]["tags"] == ["a", "b"]
    assert result["refused"]["status"] == 400 and "title" in result["refused"]["code"]
    assert result["listed"] == ["typed from TypeScript"] and result["totalItems"] == 1
    assert result["viewed"] == "news"


def test_a_python_client_generated_from_the_document_works(
    live: tuple[str, str, Path], tmp_path: Path
) -> None:
    base, token, document = live
    package = "bastion_generated_client"
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    _run(
        [
            VENV_BIN / "openapi-python-client",
            "generate",
            "--path",
            document,
            "--output-path",
            package,
            "--meta",
            "none",
        ],
        tmp_path,
        env,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        client_mod: Any = importlib.import_module(package)
        create: Any = importlib.import_module(f"{package}.api.posts.posts_create")
        listing: Any = importlib.import_module(f"{package}.api.posts.posts_list")
        view: Any = importlib.import_module(f"{package}.api.posts.posts_view")
        models: Any = importlib.import_module(f"{package}.models")
        client = client_mod.AuthenticatedClient(base_url=base, token=token, prefix="")
        with client:
            body = models.CreatePosts(title="typed from Python", views=7, kind=models.CreatePostsKind.BLOG)
            created = create.sync(client=client, body=body)
            assert isinstance(created, models.RecordPosts), created
            assert created.title == "typed from Python" and created.views == 7
            assert created.kind == models.RecordPostsKind.BLOG
            refused = create.sync_detailed(client=client, body=models.CreatePosts(title=""))
            assert refused.status_code == 400 and isinstance(refused.parsed, models.Error)
            assert "title" in refused.parsed.data.to_dict()
            page = listing.sync(client=client, filter_="views >= 7", sort="-views")
            assert [item.title for item in page.items] == ["typed from Python"] and page.total_items == 1
            again = view.sync(client=client, id=created.id)
            assert isinstance(again, models.RecordPosts) and again.created == created.created
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[name]


def _run(args: list[Any], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout
