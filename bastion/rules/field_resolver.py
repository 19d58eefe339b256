"""Identifier -> resolved operand: PocketBase's record field resolver, without the SQL.

Walks dotted paths through relations (`author.team.name`), back-relations (`posts_via_author`),
`@collection.<name>[:alias]`, `@request.*` and JSON paths, applying the same checks and error
cases (unknown field, hidden field, bad modifier, max 6 nested relations) as PocketBase.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bastion.rules import operand as o
from bastion.rules.errors import RuleResolveError, go_quote
from bastion.rules.filter_ast import FUNCTION, IDENTIFIER, NUMBER, TEXT, Token
from bastion.rules.filter_macros import is_macro, macro_value
from bastion.rules.filter_parser import parse
from bastion.rules.request_info import RequestInfo
from bastion.rules.rule_access import joined_access
from bastion.rules.schema import (
    JSON_TYPES,
    MULTI_VALUER_TYPES,
    CollectionInfo,
    FieldInfo,
    SchemaLookup,
)

MAX_NESTED_RELS = 6
_ALLOWED = [
    re.compile(p)
    for p in (
        r"^\w+[\w.:]*$",
        r"^@request\.context$",
        r"^@request\.method$",
        r"^@request\.auth\.[\w.:]*\w+$",
        r"^@request\.body\.[\w.:]*\w+$",
        r"^@request\.query\.[\w.:]*\w+$",
        r"^@request\.headers\.[\w.:]*\w+$",
        r"^@collection\.\w+(:\w+)?\.[\w.:]*\w+$",
    )
]
_PLAIN_AUTH = {"id", "collectionId", "collectionName", "email", "emailVisibility", "verified"}
_MODIFIERS = {"isset", "each", "length", "lower", "changed"}
_VIA = re.compile(r"^(\w+)_via_(\w+)$")
_NORMALIZED = {"null": None, "true": 1, "false": 0}
_MISSING = object()


@dataclass
class _IdField:
    """`id` when a schema doesn't list it among its fields."""

    name: str = "id"
    type: str = "text"
    hidden: bool = False
    collection_id: str = ""
    is_multiple: bool = False


def split_modifier(prop: str) -> tuple[str, str]:
    parts = prop.split(":")
    if len(parts) != 2:
        return prop, ""
    if parts[1] in _MODIFIERS:
        return parts[0], parts[1]
    raise RuleResolveError(f"unknown modifier in {go_quote(prop)}")


def get_field(collection: CollectionInfo, name: str) -> FieldInfo | None:
    f = collection.get_field(name)
    if f is None and name == "id":
        return _IdField()
    return f


def _is_multi(f: FieldInfo) -> bool:
    return f.type in MULTI_VALUER_TYPES and bool(f.is_multiple)


def value_class(f: FieldInfo) -> str:
    if f.type in JSON_TYPES:
        return o.JSON
    if _is_multi(f):
        return o.TEXT  # the JSON array text
    if f.type == "number":
        return o.NUM
    if f.type == "bool":
        return o.BOOL
    return o.TEXT


def static_value(v: Any) -> Any:
    """A request value the way PocketBase binds it: scalars as-is, anything else as JSON text."""
    if v is None or isinstance(v, (str, int, float)):
        return v
    try:
        return json.dumps(v, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return str(v)


def _nested(data: Any, keys: list[str]) -> Any:
    cur = data
    for key in keys:
        if isinstance(cur, dict):
            if key not in cur:
                return _MISSING
            cur = cur[key]
        elif isinstance(cur, (list, tuple)):
            if not key.isdigit() or int(key) >= len(cur):
                return _MISSING
            cur = cur[int(key)]
        else:
            return _MISSING
    return cur


class Resolver:
    def __init__(
        self,
        collection: CollectionInfo,
        schema: SchemaLookup,
        request: RequestInfo | None,
        *,
        allow_hidden: bool,
        now: datetime | None = None,
    ) -> None:
        self.base = collection
        self.schema = schema
        self.request = request
        self.allow_hidden = allow_hidden
        self.now = now

    # ---- tokens -----------------------------------------------------------------------------

    def resolve_operand(self, token: Token, side: str) -> o.Operand:
        """`resolve` for one side ("left", "right") of a comparison, failing with PocketBase's
        words: `invalid left operand "x" - unknown field "x"`."""
        try:
            return self.resolve(token)
        except RuleResolveError as exc:
            raise RuleResolveError(f"invalid {side} operand {go_quote(token.literal)} - {exc}") from None

    def resolve(self, token: Token) -> o.Operand:
        if token.type == TEXT:
            return o.Const(token.literal)
        if token.type == NUMBER:
            return o.Const(float(token.literal))
        if token.type == FUNCTION:
            return self._function(token)
        if token.type == IDENTIFIER:
            if is_macro(token.literal):
                return o.Const(macro_value(token.literal, self.now))
            try:
                return self._identifier(token.literal)
            except RuleResolveError:
                low = token.literal.lower()
                if low in _NORMALIZED:  # `null`/`true`/`false` when no such field exists
                    return o.Const(_NORMALIZED[low], ident=True)
                raise
        raise RuleResolveError(f"unsupported token type {go_quote(token.type)}")

    def _function(self, token: Token) -> o.Operand:
        args = token.args
        if token.literal == "geoDistance":
            if len(args) != 4:
                raise RuleResolveError(f"[geoDistance] expected 4 arguments, got {len(args)}")
            for i, a in enumerate(args):
                if a.type not in (IDENTIFIER, NUMBER):
                    raise RuleResolveError(f"[geoDistance] argument {i} must be an identifier or number")
            return o.FuncCall("geoDistance", [self.resolve(a) for a in args], o.DISABLED)
        if token.literal == "strftime":
            if not args:
                raise RuleResolveError("[strftime] expected at least 1 arguments, got 0")
            if len(args) > 10:
                raise RuleResolveError(f"[strftime] too many arguments (max allowed 10, got {len(args)})")
            if args[0].type != TEXT:
                raise RuleResolveError("[strftime] expects the first argument to be a format string")
            if len(args) > 1 and args[1].type not in (TEXT, IDENTIFIER, NUMBER):
                raise RuleResolveError(
                    "[strftime] expects the second argument to be of a valid time-value type"
                )
            for i, a in enumerate(args[2:]):
                if a.type != TEXT:
                    raise RuleResolveError(f"[strftime] invalid modifier argument {i} - can be only string")
            return o.FuncCall("strftime", [self.resolve(a) for a in args], o.ENFORCED)
        raise RuleResolveError(f"unknown function {go_quote(token.literal)}")

    # ---- identifiers --------------------------------------------------------------------------

    def _identifier(self, name: str) -> o.Operand:
        if not any(p.match(name) for p in _ALLOWED):
            raise RuleResolveError(f"failed to resolve field {go_quote(name)}")
        props = name.split(".")
        if props[0] == "@collection":
            return self._collection_field(name, props)
        if props[0] == "@request":
            return self._request_field(name, props)
        return _Walk(self, name, props, nullify=False).run()

    def _collection_field(self, name: str, props: list[str]) -> o.Operand:
        if len(props) < 3:
            raise RuleResolveError(f"invalid @collection field path in {go_quote(name)}")
        cname, _, alias = props[1].partition(":")
        coll = self.load(cname)
        if coll is None:
            raise RuleResolveError(
                f"failed to load collection {go_quote(props[1])} from field path {go_quote(name)}"
            )
        key = f"__collection_alias_{alias}" if alias else f"__collection_{coll.name}"
        join = o.Join(o.COLLECTION, key, None, coll.name)
        self.check_join(coll)
        walk = _Walk(self, name, props[2:], nullify=False, collection=coll, joins=(join,), multi=True)
        return walk.run()

    def _request_field(self, name: str, props: list[str]) -> o.Operand:
        req = self.request
        if req is None:
            return o.Const(None, ident=True)
        if name.startswith("@request.auth."):
            if req.auth is None:
                return o.Const(None, ident=True)
            if name in {f"@request.auth.{f}" for f in _PLAIN_AUTH}:
                return self.static(props[1:])
            coll = self.load(str(req.auth.get("collectionName") or req.auth.get("collectionId") or ""))
            if coll is None:
                return o.Const(None, ident=True)
            key = f"__auth_{coll.name}"
            join = o.Join(o.AUTH, key, None, coll.name, value=str(req.auth.get("id", "")))
            self.check_join(coll)
            return _Walk(self, name, props[2:], nullify=True, collection=coll, joins=(join,)).run()
        if name.startswith("@request.body.") and len(props) > 2:
            fname, modifier = split_modifier(props[2])
            body_field = self.base.get_field(fname)
            if body_field is not None:
                if body_field.type == "relation" and len(props) > 3:
                    return self._body_relation(name, props, body_field)
                if len(props) == 3 and modifier in ("each", "length", "lower", "changed"):
                    return self._body_modifier(body_field, modifier)
        return self.static(props[1:])

    def _body_modifier(self, f: FieldInfo, modifier: str) -> o.Operand:
        assert self.request is not None
        raw = self.request.body.get(f.name)
        if modifier == "lower":
            return o.Const("" if raw is None else _go_string(raw), lower=True)
        if modifier == "changed":
            sub = parse(f"@request.body.{f.name}:isset = true && @request.body.{f.name} != {f.name}")
            return o.SubExpr(sub)
        if f.type not in MULTI_VALUER_TYPES:
            raise RuleResolveError(f"field {go_quote(f.name)} doesn't support multivalue operations")
        items = [] if raw is None else list(raw) if isinstance(raw, (list, tuple)) else [raw]
        if modifier == "length":
            return o.Const(len(items), ident=True)
        join = o.Join(o.BODY_EACH, f"__dataEach_je_{f.name}", None, "", value=items)
        return o.FieldRef((join,), "value", o.TEXT, multi=_is_multi(f))

    def _body_relation(self, name: str, props: list[str], f: FieldInfo) -> o.Operand:
        assert self.request is not None
        coll = self.load(f.collection_id)
        if coll is None:
            raise RuleResolveError(
                f"failed to load collection {go_quote(f.collection_id)} from data field {go_quote(f.name)}"
            )
        raw = self.request.body.get(f.name)
        items = raw if isinstance(raw, (list, tuple)) else [] if raw in (None, "") else [raw]
        ids = tuple(dict.fromkeys(str(i) for i in items if i not in (None, "")))
        if not ids:
            return o.Const(None, ident=True)
        join = o.Join(o.BODY_REL, f"__data_{coll.name}_{f.name}", None, coll.name, value=ids)
        self.check_join(coll)
        walk = _Walk(self, name, props[3:], nullify=True, collection=coll, joins=(join,), multi=_is_multi(f))
        return walk.run()

    def static(self, path: list[str]) -> o.Operand:
        """`@request.<path>` from the request data (no database access)."""
        assert self.request is not None
        last, modifier = split_modifier(path[-1])
        keys = [*path[:-1], last]
        value = _nested(self.request.static_data(), keys)
        if modifier == "isset":
            return o.Const(0 if value is _MISSING else 1, ident=True)
        if value is _MISSING:
            value = None
        if isinstance(value, str):
            f = self.base.get_field(keys[-1])
            if f is not None and f.type == "number":
                with contextlib.suppress(ValueError):
                    value = float(value)
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, int):
            value = float(value)  # request JSON decodes numbers as float64 in PocketBase
        value = static_value(value)
        if modifier not in ("", "lower"):
            raise RuleResolveError(f"invalid modifier sequence {last}:{modifier}")
        if value is None:
            return o.Const(None, ident=True)
        return o.Const(value, lower=modifier == "lower")

    # ---- helpers ----------------------------------------------------------------------------

    def load(self, name_or_id: str) -> CollectionInfo | None:
        if name_or_id in (self.base.name, self.base.id):
            return self.base
        return self.schema.find_collection(name_or_id)

    def check_join(self, coll: CollectionInfo) -> None:
        """Clients (not superusers, not trusted rules) may only reach collections whose listRule
        does not refuse them."""
        if joined_access(coll, trusted=self.allow_hidden).refused:
            raise RuleResolveError(
                f"{go_quote(coll.name)} fields can be accessed only when allowHiddenFields is enabled or by superusers"
            )


def _go_string(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(static_value(v))


class _Walk:
    """Process the remaining dotted props from a collection (PocketBase's processActiveProps)."""

    def __init__(
        self,
        r: Resolver,
        name: str,
        props: list[str],
        *,
        nullify: bool,
        collection: CollectionInfo | None = None,
        joins: tuple[o.Join, ...] = (),
        multi: bool = False,
    ) -> None:
        self.r = r
        self.name = name
        self.props = props
        self.nullify = nullify
        self.coll = collection or r.base
        self.joins = joins
        self.multi = multi

    @property
    def key(self) -> str:
        return self.joins[-1].key if self.joins else "__base"

    def _null_or(self, message: str) -> o.Operand:
        if self.nullify:
            return o.Const(None, ident=True)
        raise RuleResolveError(message)

    def run(self) -> o.Operand:
        total = len(self.props)
        for i, prop in enumerate(self.props):
            if i == total - 1:
                return self.finalize(prop)
            f = get_field(self.coll, prop)
            if f is not None and f.hidden and not self.r.allow_hidden:
                raise RuleResolveError(f"non-filterable field {go_quote(prop)}")
            if f is not None and f.type in JSON_TYPES:
                path = tuple(self.props[i + 1 :])
                if "" in path:  # `meta..c`: SQLite's JSON path refuses it (a 500); refused as a relation's is
                    raise RuleResolveError(f"failed to resolve field {prop!r}: empty json key")
                return o.FieldRef(
                    self.joins, f.name, o.JSON, f.type, self.multi, json_path=path, null_fallback=o.DISABLED
                )
            if i >= MAX_NESTED_RELS:
                raise RuleResolveError(f"max nested relations reached for field {go_quote(prop)}")
            if f is None:
                res = self._back_relation(prop)
                if res is not None:
                    return res
                continue
            if f.type != "relation":
                raise RuleResolveError(f"field {go_quote(prop)} is not a valid relation")
            target = self.r.load(f.collection_id)
            if target is None:
                raise RuleResolveError(f"failed to load field {go_quote(prop)} collection")
            if not _is_multi(f) and i == total - 2 and self.props[i + 1] == "id":
                return self.finalize(f.name)
            kind = o.REL_MULTI if _is_multi(f) else o.REL
            self.r.check_join(target)
            join = o.Join(
                kind, f"{self.key}_{f.name}", self.joins[-1].key if self.joins else None, target.name, f.name
            )
            self.joins = (*self.joins, join)
            self.coll = target
            self.multi = self.multi or kind == o.REL_MULTI
        raise RuleResolveError(f"failed to resolve field {go_quote(self.name)}")

    def _back_relation(self, prop: str) -> o.Operand | None:
        m = _VIA.match(prop)
        if not m:
            return self._null_or(f"failed to resolve field {go_quote(prop)}")
        back = self.r.load(m.group(1))
        if back is None:
            return self._null_or(f"failed to load back relation field {go_quote(prop)} collection")
        bf = back.get_field(m.group(2))
        if bf is None:
            return self._null_or(f"missing back relation field {go_quote(m.group(2))}")
        if bf.type != "relation":
            return self._null_or(f"invalid back relation field {go_quote(m.group(2))}")
        if bf.hidden and not self.r.allow_hidden:
            raise RuleResolveError(f"non-filterable back relation field {go_quote(bf.name)}")
        if bf.collection_id != self.coll.id:
            return self._null_or(f"invalid collection reference of a back relation field {go_quote(bf.name)}")
        self.r.check_join(back)
        kind = o.BACK_MULTI if _is_multi(bf) else o.BACK
        join = o.Join(
            kind, f"{self.key}_{prop}", self.joins[-1].key if self.joins else None, back.name, bf.name
        )
        self.joins = (*self.joins, join)
        self.coll = back
        # a single back relation can still match many rows (no unique index is assumed)
        self.multi = True
        return None

    def finalize(self, prop: str) -> o.Operand:
        name, modifier = split_modifier(prop)
        f = get_field(self.coll, name)
        if f is None:
            return self._null_or(f"unknown field {go_quote(name)}")
        if f.hidden and not self.r.allow_hidden:
            raise RuleResolveError(f"non-filterable field {go_quote(name)}")
        multivaluer = f.type in MULTI_VALUER_TYPES
        if modifier == "length" and multivaluer:
            return o.FieldRef(
                self.joins, f.name, o.NUM, f.type, self.multi, modifier="length", is_array_column=_is_multi(f)
            )
        if modifier == "each" and multivaluer:
            parent = self.joins[-1].key if self.joins else None
            join = o.Join(o.EACH, f"__je_{self.key}_{f.name}", parent, "", f.name, value=_is_multi(f))
            return o.FieldRef((*self.joins, join), "value", o.TEXT, f.type, self.multi or _is_multi(f))
        cls = value_class(f)
        ref = o.FieldRef(self.joins, f.name, cls, f.type, self.multi, is_array_column=_is_multi(f))
        if f.name == "email" and not self.r.allow_hidden and self.coll.type == "auth":
            ref.email_guard = self.key
        if cls == o.JSON:
            ref.json_path = ()
            ref.null_fallback = o.DISABLED
        if modifier == "lower":
            ref.modifier = "lower"
        return ref
