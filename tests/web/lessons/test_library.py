"""The lessons library: full-text search ranked by relevance (the same rules on SQLite and
PostgreSQL: run with PMO_TEST_DATABASE_URL set for the second), hostile input, highlighted
snippets that stay escaped, filters, visibility, paging and a fixed number of statements."""
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask import url_for
from sqlalchemy import event

from pmo_web.extensions import db
from pmo_web.search import parse_query
from tests import factories

HX = {"HX-Request": "true"}


def titles_in_order(response) -> list[str]:
    """The result titles as listed (highlight marks removed)."""
    import re

    body = response.get_data(as_text=True).split('id="lessons-results"', 1)[1]
    found = re.findall(r'<h2 class="govuk-heading-s[^"]*">\s*<a class="govuk-link" href="[^"]+">(.*?)</a>', body, re.S)
    return [re.sub(r"</?mark>", "", title) for title in found]


def search(client, **args):
    return client.get(url_for("lessons.library", **args))


@pytest.fixture
def initiative(users):
    made = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    return made


# ------------------------------------------------------------------ relevance


def test_a_title_match_ranks_above_a_single_mention_in_the_cause(client, auth, users, initiative):
    # Created first, so "newest first" would put it last: only relevance can lift it.
    factories.make_lesson(initiative, title="Supplier onboarding took months",
                          recommendation="Start supplier onboarding at contract award.")
    factories.make_lesson(initiative, title="Training was late", event="Officers were trained after go-live.",
                          cause="The training supplier had no trainers free.")
    factories.make_lesson(initiative, title="Nothing relevant here", event="The network was slow.")
    db.session.commit()
    auth.login(users["viewer"])
    response = search(client, q="supplier")
    assert response.status_code == 200
    assert titles_in_order(response) == ["Supplier onboarding took months", "Training was late"]
    assert "2 lessons found for ‘supplier’, best match first" in response.get_data(as_text=True)


def test_more_mentions_and_stemming_count(client, auth, users, initiative):
    factories.make_lesson(initiative, title="Delays", cause="One delay.")
    factories.make_lesson(initiative, title="Procurement", event="Procurement delayed us; procurement delays again.",
                          effect="Delayed go-live after delays", recommendation="Plan for delays")
    factories.make_lesson(initiative, title="Unrelated", event="Nothing to see")
    db.session.commit()
    auth.login(users["pmo"])
    ranked = titles_in_order(search(client, q="delay"))
    # Both match "delay" through their stems; the one titled "Delays" is the best match.
    assert ranked == ["Delays", "Procurement"]


def test_phrases_and_exclusions(client, auth, users, initiative):
    factories.make_lesson(initiative, title="Custody suite access", event="Access to the custody suite was refused.")
    factories.make_lesson(initiative, title="Suite booking", event="Custody staff booked the wrong suite.")
    db.session.commit()
    auth.login(users["pmo"])
    assert titles_in_order(search(client, q='"custody suite"')) == ["Custody suite access"]
    assert titles_in_order(search(client, q="custody -access")) == ["Suite booking"]
    assert titles_in_order(search(client, q="custody suite")) != []


def test_the_snippet_highlights_the_words_and_stays_escaped(client, auth, users, initiative):
    factories.make_lesson(initiative, title="<b>Bold</b> supplier title",
                          cause='<script>alert(1)</script> the supplier "was" late & <img src=x>')
    db.session.commit()
    auth.login(users["viewer"])
    body = search(client, q="supplier").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body and "<b>Bold</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; the <mark>supplier</mark> &#34;was&#34; late &amp; &lt;img" in body
    assert "&lt;b&gt;Bold&lt;/b&gt; <mark>supplier</mark> title" in body
    assert "<span class=\"govuk-!-font-weight-bold\">Cause:</span>" in body


@pytest.mark.parametrize("typed", [
    '"', '""', '"unclosed phrase', "*", "supplier*", "-", "--", "-supplier", "NOT", "AND OR NOT", "NEAR(a b)",
    "title:supplier", "^supplier", "(supplier", "supplier)", "a:b:c", "'; DROP TABLE lessons; --", "%_%",
    "\\", "\\\"", "{supplier}", "supplier + late | !", "<script>alert(1)</script>", "Ωμέγα 🚓 مرحبا \u202e",
    "e-mail CR-0001", "x" * 5000, "the of and", "&&", "!!supplier", "supplier <-> late", ":*", "supplier:*",
])
def test_hostile_search_input_never_fails(client, auth, users, initiative, typed):
    factories.make_lesson(initiative, title="Supplier was late", cause="The supplier had no staff")
    db.session.commit()
    auth.login(users["viewer"])
    for headers in ({}, HX):
        response = client.get(url_for("lessons.library"), query_string={"q": typed}, headers=headers)
        assert response.status_code == 200, typed
        assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_a_query_with_no_usable_words_shows_everything_and_says_so(client, auth, users, initiative):
    factories.make_lesson(initiative, title="Anything at all")
    db.session.commit()
    auth.login(users["viewer"])
    body = search(client, q='*** "" -').get_data(as_text=True)
    assert "Your search has no words to look for" in body and "Anything at all" in body


@pytest.mark.parametrize("typed, fts5, websearch", [
    ("supplier", '"supplier"', "supplier"),
    ("Supplier LATE", '"supplier" "late"', "supplier late"),
    ('"custody suite" -access', '"custody suite" NOT "access"', '"custody suite" -access'),
    ("e-mail", '"e mail"', '"e mail"'),
    ('NEAR(a b) OR "x', '"near a" "b" "x"', '"near a" b x'),  # "or" is a stop word: never an operator
    ("sup*plier:", '"sup plier"', '"sup plier"'),
    ("-access", ' NOT "access"', "-access"),  # nothing to find: no search
    ("the of", "", ""),
])
def test_queries_are_rebuilt_from_words_alone(typed, fts5, websearch):
    terms = parse_query(typed)
    assert (terms.fts5(), terms.websearch()) == (fts5, websearch)
    assert bool(terms) == (typed not in ("-access", "the of"))


# ------------------------------------------------------------------ filters, visibility, paging


def test_filters_by_category_stage_type_department_and_programme(client, auth, users):
    programme = factories.make_programme("Estates programme")
    other_department = factories.make_department("Estates")
    owner = factories.make_user(department=other_department)
    in_programme = factories.make_initiative(owner=owner, state="delivery", programme=programme)
    plain = factories.make_initiative(owner=users["requester"], state="delivery")
    factories.make_lesson(in_programme, title="Estates lesson", category="Procurement", stage="delivery",
                          lesson_type="corporate")
    factories.make_lesson(plain, title="Contact lesson", category="Technology", stage="business_case",
                          lesson_type="project")
    db.session.commit()
    auth.login(users["pmo"])
    cases = {"category": ("Procurement", "Estates lesson"), "stage": ("business_case", "Contact lesson"),
             "lesson_type": ("corporate", "Estates lesson"), "department": (other_department.id, "Estates lesson"),
             "programme": (programme.id, "Estates lesson")}
    for name, (value, expected) in cases.items():
        assert titles_in_order(search(client, **{name: value})) == [expected], name
    # A filter value that names nothing valid is ignored rather than failing.
    assert len(titles_in_order(search(client, stage="bogus", department="x"))) == 2


def test_only_lessons_of_visible_initiatives_and_never_deleted_ones(client, auth, users, outsider, initiative):
    factories.make_lesson(initiative, title="Own department lesson")
    factories.make_lesson(initiative, title="Deleted lesson").deleted_at = datetime.now(UTC)
    hidden = factories.make_initiative(owner=outsider, state="delivery")
    factories.make_lesson(hidden, title="Other department lesson")
    db.session.commit()
    auth.login(users["requester"])  # a sergeant requester: portfolio access, own department only
    assert titles_in_order(search(client)) == ["Own department lesson"]
    assert titles_in_order(search(client, q="lesson")) == ["Own department lesson"]


def test_the_library_needs_portfolio_access(client, auth, users):
    constable = factories.make_user(roles=("requester",), rank="constable")
    db.session.commit()
    auth.login(constable)
    assert search(client).status_code == 403


def test_results_are_paged_and_htmx_gets_the_results_alone(client, auth, users, initiative):
    for n in range(25):
        factories.make_lesson(initiative, title=f"Supplier lesson {n:02d}")
    db.session.commit()
    auth.login(users["viewer"])
    first, second = search(client, q="supplier"), search(client, q="supplier", page=2)
    assert len(titles_in_order(first)) == 20 and len(titles_in_order(second)) == 5
    assert not set(titles_in_order(first)) & set(titles_in_order(second))
    partial = client.get(url_for("lessons.library", q="supplier"), headers=HX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body
    assert 'id="lessons-results"' in body and 'id="lessons-count" role="status" hx-swap-oob="true"' in body
    assert partial.headers["Vary"] and "HX-Request" in partial.headers["Vary"]


# ------------------------------------------------------------------ statements per page


@contextmanager
def counting():
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _lessons(users, count: int) -> None:
    for n in range(count):
        programme = factories.make_programme() if n % 2 else None
        owner = factories.make_user(department=factories.make_department()) if n % 3 == 0 else users["requester"]
        initiative = factories.make_initiative(owner=owner, state="delivery", programme=programme)
        factories.make_lesson(initiative, title=f"Supplier lesson {n}", category=f"Category {n % 4}",
                              dependencies=f"Needs CR-{initiative.id:04d}")
    db.session.commit()


@pytest.mark.parametrize("args", [{}, {"q": "supplier lesson"}, {"q": "supplier", "lesson_type": "project"}])
def test_the_library_runs_the_same_number_of_statements_for_3_or_30_lessons(client, auth, users, args):
    auth.login(users["pmo"])
    _lessons(users, 3)
    client.get(url_for("lessons.library", **args))  # warm up (session bookkeeping)
    with counting() as small:
        assert client.get(url_for("lessons.library", **args)).status_code == 200
    _lessons(users, 27)
    client.get(url_for("lessons.library", **args))  # the same warm-up after the test's own commit
    with counting() as large:
        response = client.get(url_for("lessons.library", **args))
    assert response.status_code == 200 and len(titles_in_order(response)) == 20
    assert len(small) == len(large), [statement.split("\n")[0][:80] for statement in large]


def test_the_migration_helpers_remove_and_reinstall_the_index_over_existing_lessons(client, auth, users, initiative):
    """What a migration does (pmo_web.search.install_search / remove_search): lessons saved
    before the index existed are found once it is installed."""
    from pmo_web.search import install_search, remove_search

    factories.make_lesson(initiative, title="Supplier onboarding took months")
    db.session.commit()
    with db.engine.begin() as connection:
        remove_search(connection)
    with db.engine.begin() as connection:
        install_search(connection)
        install_search(connection)  # idempotent
    auth.login(users["viewer"])
    assert titles_in_order(search(client, q="onboarding")) == ["Supplier onboarding took months"]
