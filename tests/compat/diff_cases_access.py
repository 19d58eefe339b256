"""Differential cases for the access decision on relation sorts and filters, and hostile filters.

Sorting by a related field applies the related collection's listRule, as PocketBase's joined
query does: the value is taken over the related rows the caller may list, a record whose related
rows are all hidden is left out, and a record with an empty relation stays. Filters through a
relation keep rows with an empty relation too. Then the filter text's edges: backslash escapes,
empty sort entries, deep brackets. All cases only read, on the shared data set.
"""

from __future__ import annotations

from .diff_compare import Case

POSTS = "/api/collections/posts/records"
PEOPLE = "/api/collections/people/records"
COMMENTS = "/api/collections/comments/records"
CALLERS = ("super", "alice", "bob", None)
PLAN_DEPENDENT = {"comments_via_post.text,id", "-comments_via_post.text,id"}


def _sort_cases() -> list[Case]:
    sorts = [
        # people -> their notes (listRule: only the owner's), a back-relation with several rows
        (PEOPLE, "notes_via_owner.text"),
        (PEOPLE, "-notes_via_owner.text,id"),
        (PEOPLE, "notes_via_owner.n,-id"),
        # comments -> post (listRule: published or own) -> author (signed-in only)
        (COMMENTS, "post.title,id"),
        (COMMENTS, "-post.title,id"),
        (COMMENTS, "post.author.name,id"),
        (COMMENTS, "-post.views,-id"),
        # posts -> author (signed-in only; two posts have none), posts -> tags (public)
        (POSTS, "author.name,id"),
        (POSTS, "-author.age,id"),
        (POSTS, "tags.name,id"),
        (POSTS, "-tags.name,id"),
        (POSTS, "-tags.weight,id"),
        # posts -> their comments: a back-relation with several rows per post
        (POSTS, "comments_via_post.text,id"),
        (POSTS, "-comments_via_post.text,id"),
        (POSTS, "-comments_via_post.author.name,id"),
    ]
    cases = []
    for path, sort in sorts:
        slug = path.split("/")[3] + "_" + sort.replace("-", "desc_").replace(".", "_").replace(",", "__")
        # Which of a post's several comments PocketBase sorts by is whatever row its SQLite query
        # plan meets first: the plan, and with it the order, changed once other cases had
        # created collections (the schema cases). The rows and totals are still compared.
        ordered = sort not in PLAN_DEPENDENT
        for who in CALLERS:
            case_id = f"access_sort_{slug}_{who or 'anon'}"
            cases.append(Case(case_id, path, {"sort": sort}, auth=who, ordered=ordered))
    cases.append(
        Case("access_sort_count_skiptotal", COMMENTS, {"sort": "post.title", "skipTotal": "1"}, auth=None)
    )
    return cases


def _relation_filter_cases() -> list[Case]:
    filters = [
        (POSTS, 'author.name = ""'),
        (POSTS, 'author.name != "Alice"'),
        (POSTS, 'author.name = "" || title = "x"'),
        (PEOPLE, 'notes_via_owner.text = ""'),
        (PEOPLE, 'notes_via_owner.text != "zz"'),
        (COMMENTS, 'post.author.name != "zz"'),
    ]
    cases = []
    for n, (path, flt) in enumerate(filters):
        for who in CALLERS:
            cases.append(
                Case(f"access_filter_{n}_{who or 'anon'}", path, {"filter": flt, "sort": "id"}, auth=who)
            )
    return cases


def _alternating(depth: int) -> str:
    text = f"views > {depth}"
    for i in range(depth - 1, -1, -1):
        text = f"views > {i} {'&&' if i % 2 else '||'} ({text})"
    return text


def _syntax_cases() -> list[Case]:
    flt = [
        ("backslash_like", "title ~ '\\\\'"),  # `\\` is one backslash: no title has one
        ("backslash_not_like", "title !~ '\\\\'"),
        ("backslash_unclosed", "title = 'x\\'"),
        ("backslash_closed", "title = 'x\\\\' || title = 'x'"),
        ("escaped_quotes", 'title = "quote \\"double\\" and \\\'single\\\'"'),
        ("escaped_percent", "title ~ 'Percent \\% and'"),
        ("escaped_newline", "title = 'x\\n' || title = 'x'"),
        ("brackets_1740", "(" * 1740 + "title = 'x'" + ")" * 1740),
        ("brackets_over_length", "(" * 1746 + "title = 'x'" + ")" * 1746),
        ("brackets_unclosed", "(" * 20 + "title = 'x'"),
        ("brackets_in_text", "(title = ')(' || (title = 'x' // a comment)\n)"),
        ("alternating_20", _alternating(20)),
    ]
    cases = [Case(f"access_filter_{slug}", POSTS, {"filter": f, "sort": "id"}) for slug, f in flt]
    for n, sort in enumerate(["title,,", "title, ", ",title", "+", " ", "title,-"]):
        cases.append(Case(f"access_sort_empty_entry_{n}", POSTS, {"sort": sort}))
    return cases


def access_cases() -> list[Case]:
    return _sort_cases() + _relation_filter_cases() + _syntax_cases()
