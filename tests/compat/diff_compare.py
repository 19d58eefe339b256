"""Pure helpers of the differential tests: the case type, normalisation and comparison. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TIMESTAMP_KEYS = {"created", "updated"}
PB_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$")
JWT = re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$")
SECRET_KEYS = {"token"}
# Mail templates hold prose: Bastion writes its own wording, so only their presence is compared.
TEMPLATE_KEYS = {
    "emailTemplate",
    "verificationTemplate",
    "resetPasswordTemplate",
    "confirmEmailChangeTemplate",
}


@dataclass(frozen=True)
class Case:
    """One request, sent identically to the reference and the candidate."""

    id: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    auth: str | None = "super"  # "super", "alice", "bob" or None (anonymous)
    body: Any = None  # sent as JSON
    raw: str | None = None  # sent verbatim as application/json (malformed bodies)
    form: tuple[tuple[str, str], ...] | None = None  # sent as multipart/form-data fields
    headers: tuple[tuple[str, str], ...] = ()
    ordered: bool = True  # False where the API leaves the order of `items` undefined


def _normalise(value: Any, key: str = "") -> Any:
    if key in TEMPLATE_KEYS and isinstance(value, dict) and set(value) == {"subject", "body"}:
        return {"subject": "<text>", "body": "<text>"}
    if isinstance(value, dict):
        return {k: _normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        if "_via_" in key:
            # back-relation expands have no defined order
            items.sort(key=lambda r: r.get("id", "") if isinstance(r, dict) else str(r))
        return items
    # only well-formed values are masked, so a wrong format still shows up as a difference
    if key in TIMESTAMP_KEYS and isinstance(value, str) and PB_DATETIME.match(value):
        return "<timestamp>"
    if key == "id" and isinstance(value, str) and value.startswith("_clone_"):
        return "<view field clone id>"  # random on both servers
    if key in SECRET_KEYS and isinstance(value, str) and JWT.match(value):
        return "<token>"
    return value


def error_codes(data: Any) -> Any:
    """An error's `data` without the human-readable `message` texts: the `code`s, `params` and any
    other values (such as a batch sub-response's `status`) are what clients branch on; the wording
    may differ."""
    if isinstance(data, dict):
        return {k: error_codes(v) for k, v in data.items() if k != "message"}
    if isinstance(data, list):
        return [error_codes(v) for v in data]
    return data


def comparable(status: int, body: Any, ordered: bool) -> dict[str, Any]:
    """What must be equal between the two servers for one response."""
    if status >= 400:
        if not isinstance(body, dict):
            return {"status": status, "body": body}
        return {
            "status": status,
            "message": body.get("message"),
            "data_codes": error_codes(body.get("data")),
        }
    norm = _normalise(body)
    if not ordered and isinstance(norm, dict) and isinstance(norm.get("items"), list):
        norm["items"] = sorted(norm["items"], key=lambda r: r.get("id", "") if isinstance(r, dict) else "")
    return {"status": status, "body": norm}


def describe_difference(ref: dict[str, Any], got: dict[str, Any]) -> str:
    """A short human account of how the candidate's answer differs from the reference's."""
    lines: list[str] = []
    if ref.get("status") != got.get("status"):
        lines.append(f"status: reference {ref.get('status')}, candidate {got.get('status')}")
    rb, gb = ref.get("body"), got.get("body")
    if isinstance(rb, dict) and isinstance(gb, dict) and isinstance(rb.get("items"), list):
        for k in ("page", "perPage", "totalItems", "totalPages"):
            if rb.get(k) != gb.get(k):
                lines.append(f"{k}: reference {rb.get(k)!r}, candidate {gb.get(k)!r}")
        rids = [r.get("id") for r in rb["items"] if isinstance(r, dict)]
        gids = [r.get("id") for r in gb.get("items") or [] if isinstance(r, dict)]
        if rids != gids:
            lines.append(f"item ids: reference {rids}, candidate {gids}")
    for k in ("message", "data_codes"):
        if ref.get(k) != got.get(k):
            lines.append(f"{k}: reference {ref.get(k)!r}, candidate {got.get(k)!r}")
    if rb != gb and ref.get("status") == got.get("status"):
        paths = value_differences(rb, gb, "body")
        lines += paths[:15] + ([f"... {len(paths) - 15} more"] if len(paths) > 15 else [])
    return "\n".join(lines) or "answers differ (see full comparison below)"


def value_differences(ref: Any, got: Any, path: str) -> list[str]:
    """Paths where two JSON values differ, each with both sides (or which side lacks it)."""
    if isinstance(ref, dict) and isinstance(got, dict):
        out: list[str] = []
        for k in sorted(set(ref) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing in candidate (reference {_short(ref[k])})")
            elif k not in ref:
                out.append(f"{path}.{k}: unexpected in candidate ({_short(got[k])})")
            else:
                out += value_differences(ref[k], got[k], f"{path}.{k}")
        return out
    if isinstance(ref, list) and isinstance(got, list) and len(ref) == len(got):
        out = []
        for i, (r, g) in enumerate(zip(ref, got, strict=True)):
            out += value_differences(r, g, f"{path}[{i}]")
        return out
    if ref == got and type(ref) is type(got):
        return []
    if ref == got:  # 1 vs 1.0, True vs 1: equal for the comparison, so not a difference
        return []
    return [f"{path}: reference {_short(ref)}, candidate {_short(got)}"]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
