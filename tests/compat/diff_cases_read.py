"""Differential cases that read: filters, sorts, paging, expand and fields on the fixed data set.

Most run as superuser and sort by id, so the comparison is exact; a few run as a regular user and
anonymously, where the list rule and the filter combine.
"""

from __future__ import annotations

from .diff_compare import Case
from .diff_schema import ALICE, pid

POSTS = "/api/collections/posts/records"
COMMENTS = "/api/collections/comments/records"


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in text)
    return "_".join(p for p in out.split("_") if p)[:60]


# --- filters on posts, as superuser, ordered by id so the comparison is exact --------------------

POST_FILTERS: list[str] = [
    # equality and ordering on text / numbers / bool
    'title = "Rust tips"',
    'title != "Rust tips"',
    "views > 10",
    "views >= 10",
    "views < 5",
    "views <= 5",
    "rating > 3.5",
    "rating < 0",
    "views = 100",
    'views = "100"',
    "body = 100",
    'views > "5"',
    "10 = views",
    "published = true",
    "published = false",
    "published != true",
    'id > "post00000000005"',
    # LIKE family
    'title ~ "hello"',
    'title ~ "HELLO"',
    'title !~ "o"',
    'title ~ "hello%"',
    'title ~ "%tips"',
    'title ~ "%"',
    'title ~ "_"',
    'body ~ "ünï"',
    "title ~ 'double'",
    'title = "quote \\"double\\" and \'single\'"',
    # select single / multi
    'status = "draft"',
    'status = ""',
    'status != ""',
    'categories ?= "tech"',
    'categories ?!= "tech"',
    'categories = "tech"',
    'categories != "tech"',
    'categories ?~ "e"',
    "categories:length = 2",
    "categories:length > 1",
    "categories:length = 0",
    'categories:each ~ "e"',
    'categories:each = "news"',
    'categories = ""',
    # relations single / multi and paths
    f'author = "{ALICE}"',
    'author = ""',
    'author != ""',
    'author.name = "Alice"',
    'author.name ~ "a"',
    'author.role = "admin"',
    "author.age > 26",
    'author.name:lower = "carol"',
    f'tags ?= "{"tag000000000001"}"',
    'tags.name ?= "go"',
    'tags.name = "go"',
    'tags.name ?!= "go"',
    "tags.weight ?> 2",
    "tags:length >= 2",
    "tags:length = 0",
    'tags.name:each ~ "o"',
    'tags.id ?= "tag000000000001"',
    'tags ~ "tag000000000001"',
    "tags.weight ?< 1",
    "tags.weight ?<= 1",
    "tags.weight ?>= 4",
    'tags.name ?!~ "o"',
    'comments_via_post.text ?!= "great"',
    'author.name !~ "a"',
    'author.name ~ "%a"',
    # json paths
    "meta.a = 1",
    'meta.a = "1"',
    "meta.a = null",
    "meta.a != null",
    'meta.nested.k = "v"',
    "meta.a > 1",
    "meta.b.c.0 = 1",
    'meta.tags.1 = "y"',
    "meta.tags:length = 2",
    "meta = null",
    "meta != null",
    'meta = "string json"',
    "meta = true",
    # null / empty semantics
    'body = ""',
    "body = null",
    "body != null",
    "rating = 0",
    'due = ""',
    'due != ""',
    "due = null",
    # dates and macros
    'due > "2024-01-01"',
    'due >= "2024-01-15 10:00:00.000Z"',
    'due < "2024-01-15"',
    "due < @now",
    "due > @now",
    'due != "" && due < @yearStart',
    "due > @todayEnd",
    "@now > due",
    "due > @yearEnd",
    "@year > 2000 && @month >= 1 && @month <= 12",
    'strftime("%Y", due) = "2024"',
    # :lower
    'title:lower = "hello world"',
    'title:lower ~ "hello"',
    # boolean structure
    '(views > 5 && published = true) || status = "archived"',
    "views > 5 && (published = false || rating < 3)",
    '(title ~ "o" || body ~ "o") && views != 0',
    # back-relations
    'comments_via_post.text ?~ "agree"',
    'comments_via_post.author.name ?= "Bob"',
    'comments_via_post.text = "great"',
    f'comments_via_post.author ?= "{ALICE}"',
    # @collection joins
    '@collection.comments.post ?= id && @collection.comments.text ?~ "agree"',
    '@collection.comments:c.post = id && @collection.comments:c.author.name = "carol"',
    '@collection.tags.name ?= "rust" && tags ?= @collection.tags.id',
    # constants
    "1 = 1",
    "true = false",
    '"a" = "a"',
    "",
]

INVALID_POST_FILTERS = [
    "title ~~ 'x'",
    "title =",
    "nosuch = 1",
    "(views > 1",
    'title = "x" &&',
    "author.nosuch = 1",
    "views >",
    '@collection.nosuch.id ?= "x"',
    "meta.a ? 1",
    "title = @nope",
]


# the same filters as a regular user and anonymously: the list rule and the filter combine
USER_FILTERS = [
    'author.name ~ "a"',
    'tags.name ?= "go"',
    'comments_via_post.author.name ?= "Bob"',
    "categories:length > 1",
    "meta.a != null",
    "views > 5 || published = false",
    '@collection.comments.post ?= id && @collection.comments.text ?~ "agree"',
    'title:lower ~ "o"',
]


def _filter_cases() -> list[Case]:
    cases = []
    seen: set[str] = set()
    for expr in POST_FILTERS:
        slug = "filter_" + (_slug(expr) or "empty")
        while slug in seen:
            slug += "_"
        seen.add(slug)
        cases.append(Case(slug, POSTS, {"filter": expr, "sort": "id", "perPage": "100"}))
    for who in ("alice", None):
        for expr in USER_FILTERS:
            slug = f"filter_as_{who or 'anon'}_{_slug(expr)}"
            cases.append(Case(slug, POSTS, {"filter": expr, "sort": "id"}, auth=who))
    for n, expr in enumerate(INVALID_POST_FILTERS):
        cases.append(Case(f"filter_invalid_{n}_{_slug(expr)}", POSTS, {"filter": expr}))
    return cases


# --- sorting, paging, expand, fields -------------------------------------------------------------

SORTS = [
    "-views,title",
    "title",
    "-title",
    "-rating,id",
    "status,-views",
    "author.name,id",
    "-published,id",
    "meta.a,id",
    "-due,id",
    "views,-id",
    "+title",
    "categories,id",
]


def _sort_cases() -> list[Case]:
    cases = [
        Case(f"sort_{_slug(s.replace('-', 'desc ').replace('+', 'asc '))}", POSTS, {"sort": s}) for s in SORTS
    ]
    cases += [
        Case("sort_random_set_only", POSTS, {"sort": "@random"}, ordered=False),
        Case("sort_unknown_field", POSTS, {"sort": "nosuch"}),
        Case("sort_backrelation", POSTS, {"sort": "comments_via_post.text,id"}),
        Case("sort_rowid", POSTS, {"sort": "@rowid"}),
        Case(
            "sort_nine_fields_over_limit",
            POSTS,
            {"sort": "id,title,views,rating,status,due,body,meta,published"},
        ),
        Case("no_sort_set_only", POSTS, {}, ordered=False),
    ]
    return cases


def _paging_cases() -> list[Case]:
    base = {"sort": "id"}
    table = {
        "page2_per3": {"page": "2", "perPage": "3"},
        "page4_per3": {"page": "4", "perPage": "3"},
        "page_beyond_end": {"page": "99", "perPage": "5"},
        "per_page_0": {"perPage": "0"},
        "per_page_1": {"perPage": "1"},
        "per_page_5000": {"perPage": "5000"},
        "page_0": {"page": "0", "perPage": "2"},
        "page_negative": {"page": "-1", "perPage": "2"},
        "per_page_negative": {"perPage": "-5"},
        "per_page_text": {"perPage": "abc"},
        "page_text": {"page": "x"},
        "skip_total_1": {"skipTotal": "1", "perPage": "4"},
        "skip_total_true_page2": {"skipTotal": "true", "page": "2", "perPage": "4"},
        "skip_total_false": {"skipTotal": "false", "perPage": "4"},
        "skip_total_text": {"skipTotal": "maybe"},
        "filter_with_paging": {"filter": "views > 0", "page": "2", "perPage": "2"},
    }
    return [Case(f"paging_{k}", POSTS, {**base, **v}) for k, v in table.items()]


def _expand_cases() -> list[Case]:
    one = f"{POSTS}/{pid(1)}"
    return [
        Case("expand_author", POSTS, {"sort": "id", "expand": "author"}),
        Case("expand_author_tags", POSTS, {"sort": "id", "expand": "author,tags"}),
        Case("expand_back_relation", POSTS, {"sort": "id", "expand": "comments_via_post"}),
        Case("expand_back_relation_nested", one, {"expand": "comments_via_post.author"}),
        Case("expand_nested_forward", COMMENTS, {"sort": "id", "expand": "post.author,post.tags"}),
        Case("expand_unknown", one, {"expand": "nosuch"}),
        Case("expand_bad_path", one, {"expand": "author.nosuch"}),
        Case("expand_empty_relations", f"{POSTS}/{pid(7)}", {"expand": "author,tags"}),
        Case("expand_as_anonymous_hides_people", one, {"expand": "author"}, auth=None),
        Case("expand_as_alice_shows_people", one, {"expand": "author"}, auth="alice"),
        Case("expand_view_one", one, {"expand": "tags"}),
    ]


def _fields_cases() -> list[Case]:
    one = f"{POSTS}/{pid(1)}"
    return [
        Case("fields_id_title", POSTS, {"sort": "id", "fields": "id,title"}),
        Case(
            "fields_star_expand_name",
            POSTS,
            {"sort": "id", "expand": "author", "fields": "*,expand.author.name"},
        ),
        Case("fields_excerpt", POSTS, {"sort": "id", "fields": "id,body:excerpt(5)"}),
        Case("fields_excerpt_ellipsis", POSTS, {"sort": "id", "fields": "id,body:excerpt(5,true)"}),
        Case("fields_unknown_ignored", one, {"fields": "id,nosuch"}),
        Case("fields_top_level_items", POSTS, {"sort": "id", "fields": "items.id,totalItems"}),
        Case("fields_excerpt_title", one, {"fields": "title:excerpt(3,true),id"}),
        Case("fields_expand_only", one, {"expand": "tags", "fields": "expand.tags.name"}),
    ]


def read_cases() -> list[Case]:
    return _filter_cases() + _sort_cases() + _paging_cases() + _expand_cases() + _fields_cases()
