"""The results table (printed, and pasted into the README) and the JSON file beside it."""

from __future__ import annotations

import json
import math
from pathlib import Path

Results = dict[str, dict[str, dict[str, dict[str, float]]]]  # mode -> server -> workload -> numbers


def _num(v: float, fmt: str) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


RUN_TITLES = {
    "unpinned": "Unpinned: the whole machine for every server ({workers}) — the headline",
    "pinned": "Pinned: each server on one core, Bastion with one worker — per-core efficiency",
}


def table(results: Results, labels: dict[str, str], bastion_workers: int | None = None) -> str:
    """Markdown, one table per run (unpinned first): a row per (workload, server); ratio is req/s
    (or, for fan-out, PocketBase latency / Bastion latency) so that above 1 always means Bastion
    is faster. `procs` is the server's processes, `RSS` all of them together."""
    workers = (
        f"Bastion with --workers {bastion_workers}" if bastion_workers else "Bastion with its default workers"
    )
    out = []
    for mode in sorted(results, key=lambda m: m != "unpinned"):
        servers = results[mode]
        lines = [
            f"**{RUN_TITLES.get(mode, mode).format(workers=workers)}**",
            "",
            "| workload | server | req/s | p50 | p99 | procs | RSS (all processes) | PSS | vs PocketBase |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        pb = servers.get("pocketbase", {})
        workloads = list(dict.fromkeys(w for s in servers.values() for w in s))
        for w in workloads:
            for kind, rows in servers.items():
                r = rows.get(w)
                if r is None:
                    continue
                ref = pb.get(w)
                if "rps" in r:
                    ratio = r["rps"] / ref["rps"] if ref and ref.get("rps") else float("nan")
                    rps = _num(r["rps"], ",.0f")
                else:  # fan-out: lower latency is better
                    ratio = ref["p50_ms"] / r["p50_ms"] if ref and r.get("p50_ms") else float("nan")
                    rps = "–"
                flag = _flag(r)
                lines.append(
                    f"| {w} | {labels[kind]} | {rps} | {_num(r['p50_ms'], '.1f')} ms | "
                    f"{_num(r['p99_ms'], '.1f')} ms | {_num(r.get('processes'), '.0f')} | "
                    f"{_num(r['rss_mb'], '.0f')} MB | {_num(r.get('pss_mb'), '.0f')} MB | "
                    f"{'' if kind == 'pocketbase' else _num(ratio, '.2f')}{flag} |"
                )
        out.append("\n".join(lines))
    return "\n\n".join(out)


def realtime_table(results: Results, labels: dict[str, str]) -> str:
    """Markdown: the fan-out runs side by side: latency (all N reached / each delivery), the p99
    of all N reached against PocketBase's (above 1: Bastion's is lower), and the memory an idle
    stream costs the server (all its processes together)."""
    lines = [
        "| run | transport | subscribers | server | procs | connected | all reached p50 | p99 "
        "| p99 vs PocketBase | each delivery p50 | p99 | RSS open | per stream |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in sorted(results, key=lambda m: m != "unpinned"):
        servers = results[mode]
        pb = servers.get("pocketbase", {})
        for kind, rows in servers.items():
            for w, r in rows.items():
                if "connected" not in r:
                    continue
                transport = "ws" if w.endswith("(ws)") else "sse"
                ref = pb.get(w.replace(" (ws)", ""))
                ratio = (
                    ref["p99_ms"] / r["p99_ms"]
                    if kind != "pocketbase" and ref and r.get("p99_ms") and not math.isnan(r["p99_ms"])
                    else float("nan")
                )
                lines.append(
                    f"| {mode} | {transport} | {r['subscribers']:,.0f} | {labels[kind]} | "
                    f"{_num(r.get('processes'), '.0f')} | {r['connected']:,.0f} | "
                    f"{_num(r['p50_ms'], '.1f')} ms | {_num(r['p99_ms'], '.1f')} ms | {_num(ratio, '.2f')} | "
                    f"{_num(r['delivery_p50_ms'], '.1f')} ms | {_num(r['delivery_p99_ms'], '.1f')} ms | "
                    f"{_num(r['rss_mb'], '.0f')} MB | {_num(r['kb_per_stream'], '.1f')} KB{_flag(r)} |"
                )
    return "\n".join(lines) if len(lines) > 2 else ""


def _flag(r: dict[str, float]) -> str:
    """Errors are shown next to the number they make suspect."""
    notes = []
    if r.get("non_2xx"):
        notes.append(f"{r['non_2xx']:.0f} non-2xx")
    if r.get("socket_errors"):
        notes.append(f"sockets: {r['socket_errors']}")
    if r.get("refused"):
        notes.append(f"{r['refused']:.0f} refused")
    if r.get("missed"):
        notes.append(f"{r['missed']:.0f} missed")
    return f" ({'; '.join(notes)})" if notes else ""


def write_json(path: Path, meta: dict[str, object], results: Results) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**meta, "results": results}, indent=2, default=str))
