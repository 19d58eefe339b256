"""Records in and out of one collection for the command line (`bastion export` / `bastion import`).

Export reads the collection in id order, a page at a time (keyset paging on `id`, so memory stays
bounded whatever the size), and writes each record as a superuser's API answer: hidden fields
included (an operator's command), an auth record's `password` and `tokenKey` never (as the API).

Import reads the file a line at a time and writes each row through RecordService, acting as a
superuser: the same field rules and validation as `POST /api/collections/X/records` (or PATCH,
for an id that exists, in upsert mode), `BATCH_SIZE` rows per transaction, each row inside a
savepoint so a rejected row leaves its batch usable. `created`/`updated` given in a row are kept
(autodate fields, which the API would set to now). After each committed batch the number of the
last line read is written to the state file beside the input (`FILE.import-state.json`); `--resume`
starts after it. Rejected rows, with their reasons, go to `FILE.rejected.jsonl`.

File fields: their names are exported, but import leaves them out (the files themselves are not
moved by these commands; use backups, or `bastion import-pocketbase`).
"""

from __future__ import annotations

import asyncio
import csv
import json
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bastion import rules
from bastion.app import App
from bastion.config import Config
from bastion.core.collection_model import Collection
from bastion.core.fields.field_base import Field
from bastion.core.passwords import is_password_hash
from bastion.core.record_access import Access
from bastion.core.record_export import export_record
from bastion.core.record_model import Record
from bastion.core.record_query import ALIAS, Condition, compile_condition, count, find_by_id, find_page
from bastion.core.system_collections import SUPERUSERS_ID
from bastion.errors import ApiError, ValidationError, field_error
from bastion.store.database import Executor
from bastion.store.row_write import undo_on_error, update_by_id

PAGE_SIZE = 500
BATCH_SIZE = 500
FIRST_REASONS = 10  # how many rejections the summary prints
_NEVER_EXPORTED = ("password", "tokenKey")
_IGNORED_KEYS = ("collectionId", "collectionName", "expand")

Progress = Callable[[int, int], None]  # (done, total)


def _root(app: App) -> Access:
    collection = app.registry.find_collection(SUPERUSERS_ID)
    assert collection is not None
    return Access(auth=Record(collection, {"id": "cli"}))


def _collection(app: App, name: str) -> Collection:
    found = app.registry.find_collection(name)
    if found is None:
        raise ValueError(f"no collection {name!r}")
    return found


# ---- export ----------------------------------------------------------------------------------


def csv_columns(collection: Collection, with_secrets: bool = False) -> list[str]:
    """The CSV header: the collection's fields in its order (an auth record's password hash and
    token key only `with_secrets`)."""
    return [
        f.name
        for f in collection.fields
        if with_secrets or not (collection.is_auth and f.name in _NEVER_EXPORTED)
    ]


def _csv_cell(value: Any, json_field: bool) -> str:
    if json_field or isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


async def export_records(
    config: Config,
    name: str,
    out: IO[str],
    fmt: str,
    filter_expr: str = "",
    progress: Progress | None = None,
    *,
    with_secrets: bool = False,
) -> int:
    """Write the records of `name` (those `filter_expr` matches) to `out`; how many.
    `with_secrets`: an auth record's password hash and token key too (import stores them)."""
    app = await App(config).start()
    try:
        collection = _collection(app, name)
        root = _root(app)
        conditions: list[Condition] = []
        if filter_expr:
            try:
                conditions.append(
                    compile_condition(
                        filter_expr,
                        collection,
                        app.registry,
                        root.request_info(),
                        app.db.dialect,
                        allow_hidden=True,
                    )
                )
            except (rules.RuleSyntaxError, rules.RuleResolveError) as exc:
                raise ValueError(f"invalid filter: {exc}") from None
        total = await count(app.db, collection, conditions)
        secret = with_secrets and collection.is_auth
        columns = csv_columns(collection, secret)
        json_fields = {f.name for f in collection.fields if f.type in ("json", "geoPoint")}
        writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
        if writer is not None:
            writer.writerow(columns)
        done, last = 0, ""
        while True:
            after = [Condition(f'"{ALIAS}"."id" > ?', [last])] if last else []
            page = await find_page(
                app.db, collection, [*conditions, *after], f'"{ALIAS}"."id"', [], PAGE_SIZE, 0
            )
            for record in page:
                item = export_record(record, root)
                if secret:
                    item = dict(
                        sorted({**item, **{k: record.data.get(k, "") for k in _NEVER_EXPORTED}}.items())
                    )
                if writer is not None:
                    writer.writerow([_csv_cell(item.get(c), c in json_fields) for c in columns])
                else:
                    out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            done += len(page)
            if progress is not None:
                progress(done, max(total, done))
            if len(page) < PAGE_SIZE:
                return done
            last = page[-1].id
    finally:
        await app.stop()


# ---- import ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    last_line: int = 0  # the last line committed (or rejected) so far
    finished: bool = False
    reasons: list[str] = field(default_factory=list)  # the first FIRST_REASONS rejections

    def state(self) -> dict[str, Any]:
        return {
            "line": self.last_line,
            "imported": self.imported,
            "updated": self.updated,
            "rejected": self.rejected,
            "finished": self.finished,
            "reasons": self.reasons,
        }


def state_path(path: Path) -> Path:
    return path.with_name(path.name + ".import-state.json")


def rejected_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejected.jsonl")


def guess_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def _rows(handle: IO[str], fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) one at a time; a row that cannot be read is the reason as text."""
    if fmt == "csv":
        reader = csv.DictReader(handle)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, f"row: {exc}"
                continue
            if None in row:
                yield reader.line_num, "row: more cells than the header has columns"
                continue
            yield reader.line_num, {k: v for k, v in row.items() if v is not None}
        return
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            decoded = json.loads(line)
        except ValueError as exc:
            yield number, f"row: invalid JSON ({exc.args[0] if exc.args else exc})"
            continue
        if not isinstance(decoded, dict):
            yield number, "row: the line is not a JSON object"
            continue
        yield number, decoded


def _from_csv(field_: Field, text: str) -> Any:
    """A CSV cell as the JSON value an API client would send for the field."""
    if field_.type in ("json", "geoPoint"):
        if text == "":
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text  # a plain string: the field decides
    if text.startswith("[") and field_.type in ("select", "relation", "file"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _body(collection: Collection, row: dict[str, Any], fmt: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the body for the record service, the stored values to keep: autodates, a password hash
    and token key)."""
    body: dict[str, Any] = {}
    stored: dict[str, Any] = {}
    for key, value in row.items():
        if key in _IGNORED_KEYS:
            continue
        f = collection.get_field(key)
        if f is not None and f.type == "file":
            continue  # files are not carried by these commands (see the docstring)
        if f is not None and fmt == "csv" and isinstance(value, str):
            value = _from_csv(f, value)
        if f is not None and f.type == "autodate":
            if value:
                stored[key] = value
            continue
        body[key] = value
    if collection.is_auth:
        password, token_key = body.get("password"), body.pop("tokenKey", None)
        if isinstance(password, str) and is_password_hash(password):
            # a hash exported with --secrets: stored as it is, once the row has been validated
            # with a throwaway password (the field's own rules cannot apply to a hash)
            stored["password"] = password
            body["password"] = body["passwordConfirm"] = secrets.token_urlsafe(24)
            if isinstance(token_key, str) and token_key:
                stored["tokenKey"] = token_key
        if "password" in body and "passwordConfirm" not in body:
            body["passwordConfirm"] = body["password"]
    return body, stored


def _reasons(exc: ApiError) -> dict[str, str]:
    if isinstance(exc, ValidationError) and exc.errors:
        return {k: str(v.get("message", v)) if isinstance(v, dict) else str(v) for k, v in exc.errors.items()}
    return {"record": exc.message or type(exc).__name__}


async def _keep_stored(tx: Executor, collection: Collection, record_id: str, stored: dict[str, Any]) -> None:
    values = {}
    for name, raw in stored.items():
        f = collection.get_field(name)
        assert f is not None
        try:
            value = raw if f.type == "password" else f.normalize(raw)
        except (ValueError, TypeError):
            value = None
        if f.type == "autodate" and not value:
            raise ValidationError({name: field_error("validation_invalid_date", "Must be a valid date.")})
        if value:
            values[name] = f.to_db(value, tx.dialect)
    if values:
        await update_by_id(tx, collection.name, record_id, values)


async def import_records(
    config: Config,
    name: str,
    path: Path,
    fmt: str,
    *,
    mode: str = "create",
    resume: bool = False,
    batch_size: int = BATCH_SIZE,
    stop_after: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import `path` into `name`; see the module's docstring. `stop_after`: stop after that many
    committed batches (as an interrupted import would), leaving the state file to resume from."""
    states = state_path(path)
    result = ImportResult()
    if resume and states.is_file():
        saved = json.loads(states.read_text(encoding="utf-8"))
        if saved.get("collection") not in (None, name):
            raise ValueError(
                f"{states} records an import into {saved['collection']!r}, not {name!r}: "
                "run without --resume to start again"
            )
        result = ImportResult(
            imported=int(saved.get("imported", 0)),
            updated=int(saved.get("updated", 0)),
            rejected=int(saved.get("rejected", 0)),
            last_line=int(saved.get("line", 0)),
            finished=bool(saved.get("finished")),
            reasons=list(saved.get("reasons", [])),
        )
        if result.finished:
            return result
    app = await App(config).start()
    try:
        collection = _collection(app, name)
        if collection.is_view:
            raise ValueError(f"{collection.name} is a view collection: its records cannot be imported")
        root = _root(app)
        lines = _count_lines(path) if progress is not None else 0
        start = result.last_line
        with (
            path.open(encoding="utf-8-sig", newline="") as handle,
            rejected_path(path).open("a" if start else "w", encoding="utf-8") as rejects,
        ):
            rows = _rows(handle, fmt)
            batches = 0
            while True:
                batch = _next_batch(rows, start, batch_size)
                if not batch:
                    break
                pending = ImportResult(
                    result.imported,
                    result.updated,
                    result.rejected,
                    result.last_line,
                    False,
                    list(result.reasons),
                )
                refused: list[str] = []
                async with app.transaction() as tx:
                    for number, row in batch:
                        await _import_row(tx, app, collection, root, mode, fmt, number, row, pending, refused)
                        pending.last_line = number
                result = pending
                await asyncio.sleep(0)  # the bus delivers the batch's events (SQLite runs inline)
                if refused:
                    rejects.write("".join(refused))
                    rejects.flush()
                states.write_text(json.dumps({"collection": name, **result.state()}), encoding="utf-8")
                batches += 1
                if progress is not None:
                    progress(result.last_line, max(lines, result.last_line))
                if stop_after is not None and batches >= stop_after:
                    return result
                start = 0  # the rows iterator is past the resumed lines now
        result.finished = True
        states.write_text(json.dumps({"collection": name, **result.state()}), encoding="utf-8")
        return result
    finally:
        await app.stop()


def _next_batch(
    rows: Iterator[tuple[int, dict[str, Any] | str]], skip_to: int, size: int
) -> list[tuple[int, dict[str, Any] | str]]:
    batch: list[tuple[int, dict[str, Any] | str]] = []
    for number, row in rows:
        if number <= skip_to:
            continue
        batch.append((number, row))
        if len(batch) >= size:
            break
    return batch


async def _import_row(
    tx: Executor,
    app: App,
    collection: Collection,
    root: Access,
    mode: str,
    fmt: str,
    number: int,
    row: dict[str, Any] | str,
    result: ImportResult,
    refused: list[str],
) -> None:
    def reject(reasons: dict[str, str], raw: Any) -> None:
        result.rejected += 1
        for key, message in reasons.items():
            if len(result.reasons) < FIRST_REASONS:
                result.reasons.append(f"line {number}: {key}: {message}")
        refused.append(
            json.dumps({"line": number, "errors": reasons, "row": raw}, ensure_ascii=False, default=str)
            + "\n"
        )

    if isinstance(row, str):
        key, _, message = row.partition(": ")
        reject({key: message}, None)
        return
    body, stored = _body(collection, row, fmt)
    record_id = body.get("id")
    creating = False
    try:
        async with undo_on_error(tx):
            existing = (
                await find_by_id(tx, collection, record_id)
                if mode == "upsert" and isinstance(record_id, str) and record_id
                else None
            )
            if existing is not None:
                await app.records.update(tx, collection, existing.id, body, root)
            else:
                existing = await app.records.create(tx, collection, body, root)
                creating = True
            await _keep_stored(tx, collection, existing.id, stored)
    except ApiError as exc:
        reject(_reasons(exc), row)
        return
    if creating:
        result.imported += 1
    else:
        result.updated += 1


def _count_lines(path: Path) -> int:
    total = 0
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            total += chunk.count(b"\n")
    return total


def open_output(out: Path | None) -> IO[str]:
    if out is None:
        return sys.stdout
    return out.open("w", encoding="utf-8", newline="")
