"""Full-text `search=` against the `~` filter on a large collection (docs/search.md).

One App in this process (SQLite, or PostgreSQL with --database-url) and a public collection of
`--records` articles (a title of 6 words and a body of 80, drawn with a Zipf-like frequency from
a vocabulary of 20,000 made-up words, so some words are in most articles and most are in few).
The index is built once all records are in (the time is printed). Then each query is asked
through the ASGI app, as a client would (list of 20 with the total, as the SDK's getList), in
interleaved rounds: `search=` on the indexed title and body, and the filter a PocketBase user
writes for the same words (`title ~ 'w' || body ~ 'w'`, a LIKE '%w%' over every row). Medians in
milliseconds; the two answers' totals are printed side by side (a substring match can find more:
`~` matches inside words, a search matches whole words).

    PYTHONPATH=. .venv/bin/python bench/search_vs_filter.py [--records 100000] [--rounds 5] [--database-url …]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import random
import statistics
import string
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config

VOCABULARY = 20_000
BATCH = 200  # rows per INSERT


def _vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))))
    return sorted(words)


def _text(rng: random.Random, words: list[str], cum_weights: list[float], n: int) -> str:
    return " ".join(rng.choices(words, cum_weights=cum_weights, k=n))


async def _seed(app: App, records: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = _vocabulary(rng)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    async with app.db.transaction() as tx:
        articles = await app.collections.create(
            tx,
            {
                "name": "articles",
                "listRule": "",
                "fields": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}],
            },
        )
    app.registry.put(articles)
    # Written straight into the table, many rows per statement: through the record service the
    # seeding would take longer than the bench (the index is built afterwards, from the table).
    started = time.perf_counter()
    alphabet = string.ascii_lowercase + string.digits
    for first in range(0, records, BATCH):
        rows = min(BATCH, records - first)
        values: list[Any] = []
        for _ in range(rows):
            values += [
                "".join(rng.choices(alphabet, k=15)),
                _text(rng, words, weights, 6),
                _text(rng, words, weights, 80),
            ]
        async with app.db.transaction() as tx:
            marks = ", ".join(["(?, ?, ?)"] * rows)
            await tx.execute(f'INSERT INTO "articles" ("id", "title", "body") VALUES {marks}', values)
    print(f"  {records:,} records written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    async with app.db.transaction() as tx:
        indexed = await app.collections.update(
            tx, articles, {"search": {"fields": ["title", "body"], "language": "simple"}}
        )
    app.registry.put(indexed)
    print(f"  index built in {time.perf_counter() - started:.1f} s")
    return words


async def _ask(client: httpx.AsyncClient, params: dict[str, Any]) -> tuple[float, int]:
    started = time.perf_counter()
    r = await client.get("/api/collections/articles/records", params={"perPage": 20, **params})
    elapsed = (time.perf_counter() - started) * 1000
    r.raise_for_status()
    return elapsed, int(r.json()["totalItems"])


async def main(records: int, rounds: int, database_url: str) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        app = await App(Config(data_dir=Path(tmp), database_url=database_url)).start()
        try:
            print(f"{app.db.dialect}:")
            words = await _seed(app, records, seed=7)
            common, middling, rare = words[0], words[300], words[15_000]  # by Zipf rank
            queries = {
                f"common word ({common})": (
                    {"search": common},
                    {"filter": f"title~'{common}' || body~'{common}'"},
                ),
                f"middling word ({middling})": (
                    {"search": middling},
                    {"filter": f"title~'{middling}' || body~'{middling}'"},
                ),
                f"rare word ({rare})": ({"search": rare}, {"filter": f"title~'{rare}' || body~'{rare}'"}),
                "two words": (
                    {"search": f"{middling} {common}"},
                    {
                        "filter": f"(title~'{middling}' || body~'{middling}') && (title~'{common}' || body~'{common}')"
                    },
                ),
                # a filter has no word prefix: `~` finds the letters anywhere in a word
                "prefix": (
                    {"search": f"{middling[:3]}*"},
                    {"filter": f"title~'{middling[:3]}' || body~'{middling[:3]}'"},
                ),
                "by relevance": ({"search": middling, "sort": "@rank"}, None),
            }
            transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                times: dict[str, tuple[list[float], list[float]]] = {q: ([], []) for q in queries}
                totals: dict[str, tuple[int, int]] = {}
                for _ in range(rounds):
                    for name, (search, filtered) in queries.items():
                        s_ms, s_total = await _ask(client, search)
                        f_ms, f_total = (await _ask(client, filtered)) if filtered else (0.0, -1)
                        times[name][0].append(s_ms)
                        times[name][1].append(f_ms)
                        totals[name] = (s_total, f_total)
            print(
                f"  {'query':34} {'search= ms':>11} {'filter ms':>10} {'ratio':>7}   totals (search / filter)"
            )
            for name, (s_list, f_list) in times.items():
                s_ms, f_ms = statistics.median(s_list), statistics.median(f_list)
                ratio = f"{f_ms / s_ms:6.1f}×" if f_ms else "      -"
                f_text = f"{f_ms:10.1f}" if f_ms else f"{'-':>10}"
                s_total, f_total = totals[name]
                print(
                    f"  {name:34} {s_ms:11.1f} {f_text} {ratio}   {s_total:,} / {f_total:,}"
                    if f_total >= 0
                    else f"  {name:34} {s_ms:11.1f} {f_text} {ratio}   {s_total:,}"
                )
        finally:
            await app.stop()


def _args() -> Any:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    return parser.parse_args()


if __name__ == "__main__":
    args = _args()
    asyncio.run(main(args.records, args.rounds, args.database_url))
