"""What an API rule lets a caller do: PocketBase's three states, decided in this one place.

    a trusted caller (a superuser, or a rule reading on its own behalf) -> every record
    rule None  (locked)                                                 -> refused: superusers only
    rule ""    (public)                                                 -> every record
    otherwise                                                           -> the records matching it

core.record_access turns the answer into SQL for a record query (REST list/view/update/delete,
expand, batch, realtime, auth rules, protected files); the compiler and the evaluator use it for
every collection a filter, a rule or a sort reaches through a relation (the related collection's
listRule: refused -> the path is an error, a rule -> `id = '' || (rule)` guards each joined row).
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.rules.schema import CollectionInfo, list_rule_of


@dataclass(frozen=True, slots=True)
class RuleAccess:
    refused: bool = False
    rule: str = ""  # the condition a record must meet; "" when every record passes

    @property
    def everyone(self) -> bool:
        return not self.refused and not self.rule


EVERY_RECORD = RuleAccess()
REFUSED = RuleAccess(refused=True)


def rule_access(rule: str | None, *, trusted: bool) -> RuleAccess:
    """The answer of one rule (a collection's listRule, viewRule … authRule) for one caller."""
    if trusted:
        return EVERY_RECORD
    if rule is None:
        return REFUSED
    return RuleAccess(rule=rule) if rule else EVERY_RECORD


def joined_access(collection: CollectionInfo, *, trusted: bool) -> RuleAccess:
    """The answer for rows of `collection` reached through a relation, a back-relation,
    `@collection` or `@request.auth.*`: its listRule. Stand-in collections without rules (the
    logs' columns) have nothing to guard."""
    if not (hasattr(collection, "rules") or hasattr(collection, "list_rule")):
        return EVERY_RECORD
    return rule_access(list_rule_of(collection), trusted=trusted)
