"""The filter language: PocketBase's `filter`/`sort` syntax and API rules, pure and I/O-free.

    parse(text) -> Expr                         cached; RuleSyntaxError on bad syntax
    check_syntax(text) -> str | None            for validating collection rules
    compile_filter(...) -> SqlFragment          parameterised SQL for SQLite or PostgreSQL
    compile_sort(...) -> SortPlan               ORDER BY text and its parameters
    evaluate(...) -> bool                       the same semantics, in memory (realtime)
    RecordPredicate(...).matches(record, data)  evaluate() resolved once, for many records
    needs_query(expr, collection, schema)       does evaluate() need related records?
    is_request_only(expr)                       reads only @request.* (one answer per request)?
    superuser_only_field(filter) -> str | None  "@request."/"@collection." in a client filter (403)
    rule_access(rule, trusted=…) -> RuleAccess  an API rule's three states for one caller

Modules: filter_lexer/filter_parser (syntax), field_resolver (names -> operands), comparison_plan
(operator semantics), sql_compiler/sql_joins/sql_values (SQL), record_evaluator (Python),
sort_compiler (ORDER BY), filter_macros (@now …), sqlite_values (the comparison rules both share).
"""

from bastion.rules.errors import RuleResolveError, RuleSyntaxError
from bastion.rules.filter_ast import (
    And,
    Comparison,
    Expr,
    Or,
    Token,
    is_request_only,
    iter_comparisons,
    iter_tokens,
)
from bastion.rules.filter_compile import compile_filter
from bastion.rules.filter_parser import check_syntax, parse, superuser_only_field
from bastion.rules.record_evaluator import RecordPredicate, RecordSource, evaluate, needs_query
from bastion.rules.request_info import RequestInfo
from bastion.rules.rule_access import RuleAccess, rule_access
from bastion.rules.schema import CollectionInfo, FieldInfo, SchemaLookup
from bastion.rules.sort_compiler import SortPlan, compile_sort
from bastion.rules.sql_fragment import SqlFragment

__all__ = [
    "And",
    "CollectionInfo",
    "Comparison",
    "Expr",
    "FieldInfo",
    "Or",
    "RecordPredicate",
    "RecordSource",
    "RequestInfo",
    "RuleAccess",
    "RuleResolveError",
    "RuleSyntaxError",
    "SchemaLookup",
    "SortPlan",
    "SqlFragment",
    "Token",
    "check_syntax",
    "compile_filter",
    "compile_sort",
    "evaluate",
    "is_request_only",
    "iter_comparisons",
    "iter_tokens",
    "needs_query",
    "parse",
    "rule_access",
    "superuser_only_field",
]
