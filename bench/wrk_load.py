"""The HTTP workloads, driven by wrk: the same URLs, scripts, connections and duration for all.

Reads are plain GETs with the user's token; writes and logins are wrk Lua scripts that build each
request (a new post, a PATCH of a random seeded post, a login of a random seeded user). Each
record workload has an anonymous variant, `(anon)`: no token, on the public collections (`pubposts`,
rules `""`), which is what a public site's traffic costs.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from seed import USER_PASSWORD, Seeded

POSTS = "/api/collections/posts/records"
PUBPOSTS = "/api/collections/pubposts/records"
CONNECTIONS = 50
# password hashing is deliberately slow: fewer connections keep its latencies inside wrk's timeout
AUTH_CONNECTIONS = 8


@dataclass
class Workload:
    name: str
    path: str
    lua: str = ""  # a wrk script; empty for a plain GET
    connections: int = CONNECTIONS
    with_token: bool = True


def workloads(s: Seeded, connections: int = CONNECTIONS) -> list[Workload]:
    token = f'wrk.headers["Authorization"] = "{s.user_token}"\n'
    json_body = 'wrk.headers["Content-Type"] = "application/json"\n'
    filtered = "?filter=(views%3E5000%20%26%26%20status%3D%27live%27)&sort=-views&perPage=20"
    login = (
        json_body + f"local emails = {_lua_list(s.user_emails)}\n"
        "request = function()\n"
        '  local body = \'{"identity":"\' .. emails[math.random(#emails)] .. '
        f'\'","password":"{USER_PASSWORD}"}}\'\n'
        '  return wrk.format("POST", "/api/collections/users/auth-with-password", nil, body)\nend\n'
    )
    c = connections
    return [
        Workload("health", "/api/health", connections=c, with_token=False),
        Workload("view one record", f"{POSTS}/{s.record_id}", connections=c),
        Workload("view one record (anon)", f"{PUBPOSTS}/{s.pub_record_id}", connections=c, with_token=False),
        Workload("list filter+sort", POSTS + filtered, connections=c),
        Workload("list filter+sort (anon)", PUBPOSTS + filtered, connections=c, with_token=False),
        Workload("list expand", f"{POSTS}?perPage=20&expand=author", connections=c),
        Workload("list expand (anon)", f"{PUBPOSTS}?perPage=20&expand=author", connections=c, with_token=False),
        Workload("create", POSTS, lua=json_body + token + _create(POSTS, s.user_id), connections=c),
        Workload("create (anon)", PUBPOSTS, lua=json_body + _create(PUBPOSTS, s.pub_author_id), connections=c, with_token=False),
        Workload("update", POSTS, lua=json_body + token + _update(POSTS, s.record_ids), connections=c),
        Workload("update (anon)", PUBPOSTS, lua=json_body + _update(PUBPOSTS, s.pub_record_ids), connections=c, with_token=False),
        Workload("auth-with-password", "/api/collections/users/auth-with-password", lua=login, connections=AUTH_CONNECTIONS, with_token=False),
    ]  # fmt: skip


def _create(path: str, author: str) -> str:
    """A wrk script that POSTs a new post to `path` per request."""
    return (
        'wrk.method = "POST"\nlocal n = 0\n'
        "request = function()\n  n = n + 1\n"
        '  local body = string.format(\'{"title":"bench %d","views":%d,"published":true,'
        f'"status":"live","meta":{{"n":%d}},"author":"{author}"}}\', n, math.random(0, 10000), n)\n'
        f'  return wrk.format(nil, "{path}", nil, body)\nend\n'
    )


def _update(path: str, ids: list[str]) -> str:
    """A wrk script that PATCHes a random one of `ids` per request."""
    return (
        f"local ids = {_lua_list(ids)}\n"
        "request = function()\n"
        '  local body = string.format(\'{"views":%d,"status":"archived"}\', math.random(0, 10000))\n'
        f'  return wrk.format("PATCH", "{path}/" .. ids[math.random(#ids)], nil, body)\nend\n'
    )


def _lua_list(items: list[str]) -> str:
    return "{" + ",".join(json.dumps(i) for i in items) + "}"


def run_wrk(base: str, w: Workload, token: str, seconds: int, pin: bool) -> dict[str, float]:
    """One wrk run; req/s, latency percentiles in ms, and how many responses were not 2xx/3xx."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["wrk", "-t2", f"-c{w.connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
        if w.lua:
            script = Path(tmp) / "w.lua"
            script.write_text(w.lua)
            cmd += ["-s", str(script)]
        elif w.with_token:
            cmd += ["-H", f"Authorization: {token}"]
        cmd.append(base + w.path)
        if pin:
            cmd = ["taskset", "-c", "1", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError(f"wrk gave no result for {w.name}:\n{out}")

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(m.group(1)),
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",  # type: ignore[dict-item]
    }
