"""The public compile entry point: a filter/rule for one collection -> SQL WHERE fragment."""

from __future__ import annotations

from datetime import datetime

from bastion.rules.field_resolver import Resolver
from bastion.rules.filter_ast import Expr
from bastion.rules.filter_parser import parse
from bastion.rules.request_info import RequestInfo
from bastion.rules.schema import CollectionInfo, SchemaLookup
from bastion.rules.sql_compiler import DEFAULT_EXPR_LIMIT, SqlCompiler
from bastion.rules.sql_fragment import SqlFragment


def compile_filter(
    expr: str | Expr,
    collection: CollectionInfo,
    schema: SchemaLookup,
    request: RequestInfo | None,
    *,
    dialect: str,
    table_alias: str,
    allow_hidden: bool,
    now: datetime | None = None,
    max_expressions: int = DEFAULT_EXPR_LIMIT,
) -> SqlFragment:
    """A boolean SQL expression (with `?` parameters) true for the rows matching `expr`.

    `table_alias` is the main query's alias (or table name) for `collection`. Raises
    RuleSyntaxError / RuleResolveError (both ValueError) with client-fit messages.
    """
    tree = parse(expr) if isinstance(expr, str) else expr
    resolver = Resolver(collection, schema, request, allow_hidden=allow_hidden, now=now)
    return SqlCompiler(resolver, dialect, table_alias, max_expressions).compile(tree)
