"""Reading a view's SELECT: columns with their aliases, tables with theirs (no database)."""

import pytest

from bastion.core.view_query import Identifier, ViewQueryError, cast_type, normalize, parse


def test_columns_and_tables_with_aliases() -> None:
    parsed = parse(
        """SELECT DISTINCT p.id, p.title AS "name", count(c.id) n, (SELECT 1) AS one -- trailing comment
           FROM posts p LEFT JOIN comments AS c ON c.post = p.id
           INNER JOIN tags t ON t.id = p.tag WHERE p.views > 1 GROUP BY p.id ORDER BY p.id"""
    )
    assert parsed.columns == (
        Identifier("p.id", "id"),
        Identifier("p.title", "name"),
        Identifier("count(c.id)", "n"),
        Identifier("(SELECT 1)", "one"),
    )
    assert parsed.tables == (Identifier("posts", "p"), Identifier("comments", "c"), Identifier("tags", "t"))


def test_quoted_commas_and_parentheses_stay_inside_their_item() -> None:
    parsed = parse("SELECT id, 'a, b' AS txt, coalesce(x, 'y z') AS v FROM [posts]")
    assert [c.alias for c in parsed.columns] == ["id", "txt", "v"]
    assert parsed.tables == (Identifier("posts", "posts"),)


def test_expressions_with_spaces_need_parentheses() -> None:
    with pytest.raises(ViewQueryError, match=r"invalid identifier parts \[views \+ 1 AS v\]"):
        parse("SELECT id, views + 1 AS v FROM posts")
    with pytest.raises(ViewQueryError, match='expected "as"'):
        parse("SELECT id, views to v FROM posts")


def test_one_statement_only() -> None:
    assert normalize("  SELECT id FROM posts;  ") == "SELECT id FROM posts"
    assert normalize("SELECT ';' AS id") == "SELECT ';' AS id"
    with pytest.raises(ViewQueryError, match="multiple statements"):
        normalize("SELECT id FROM posts; DROP TABLE posts")


@pytest.mark.parametrize(
    ("expression", "kind"),
    [("CAST(views AS int)", "int"), ("cast( x as REAL )", "real"), ("views", None), ("castle", None)],
)
def test_cast_types(expression: str, kind: str | None) -> None:
    assert cast_type(expression) == kind
