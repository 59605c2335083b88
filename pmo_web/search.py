"""Full-text search of the lessons library, ranked by relevance, on SQLite and PostgreSQL.

SQLite: an FTS5 table (``lessons_fts``) indexes the lessons' text, kept in step with the
``lessons`` table by triggers, and ranked with bm25 (the title weighs most, then the
recommendation, then what happened and its effect, then cause and early warnings).
PostgreSQL: a stored generated column ``search_vector`` holds each lesson's weighted
tsvector (title A, recommendation B, event and effect C, cause and early warnings D) under
a GIN index; it is matched with ``websearch_to_tsquery`` and ranked with ``ts_rank_cd``.
The column is not mapped on the model, so the ORM never reads or writes it.

The DDL is defined once here. ``watch(table)`` installs it whenever create_all builds the
lessons table (tests); a migration calls ``install_search(connection)`` (idempotent, and
it re-indexes existing lessons) and ``remove_search(connection)`` on downgrade. A batch
migration that rebuilds ``lessons`` on SQLite drops its triggers: call install_search after.

People type anything into a search box. ``parse_query`` keeps only words (letters and
digits), quoted phrases and ``-`` exclusions, and the database queries are rebuilt from
those alone, so quotes, operators, ``*``, brackets or odd unicode can never make a syntax
error; the highlighted snippet is built here in Python from escaped pieces.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import DDL, Float, Integer, event, func, literal_column, select, text

# Searched columns, most telling first; the weights follow this order.
FIELDS = ("title", "recommendation", "event", "effect", "cause", "early_warning")
BM25_WEIGHTS = (10.0, 4.0, 2.0, 2.0, 1.0, 1.0)
# ts_rank_cd's weights of the tsvector's D, C, B, A parts (cause and early warnings, event and
# effect, recommendation, title). PostgreSQL does not dampen repeated words as bm25 does, so the
# body weighs less than its default {0.1, 0.2, 0.4, 1.0}: a title match still comes first.
TS_RANK_WEIGHTS = "ARRAY[0.05, 0.1, 0.3, 1.0]::float4[]"
# The text fields a snippet may come from, in the order they are preferred on a tie.
SNIPPET_FIELDS = ("recommendation", "event", "effect", "cause", "early_warning")

# Longest query read, and most words or phrases used from it.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

# ---------------------------------------------------------------------------- DDL
# One statement per string; no "%" (DDL() formats with it) and no ":name" (text() binds it).

_columns = ", ".join(FIELDS)
_new = ", ".join(f"new.{name}" for name in FIELDS)
_old = ", ".join(f"old.{name}" for name in FIELDS)

SQLITE_DDL = (
    ("CREATE VIRTUAL TABLE IF NOT EXISTS lessons_fts USING fts5("
     f"{_columns}, content='lessons', content_rowid='id', "
     "tokenize='porter unicode61 remove_diacritics 2')"),
    ("CREATE TRIGGER IF NOT EXISTS lessons_fts_insert AFTER INSERT ON lessons BEGIN "
     f"INSERT INTO lessons_fts(rowid, {_columns}) VALUES (new.id, {_new}); END"),
    ("CREATE TRIGGER IF NOT EXISTS lessons_fts_delete AFTER DELETE ON lessons BEGIN "
     f"INSERT INTO lessons_fts(lessons_fts, rowid, {_columns}) VALUES ('delete', old.id, {_old}); END"),
    (f"CREATE TRIGGER IF NOT EXISTS lessons_fts_update AFTER UPDATE OF {_columns} ON lessons BEGIN "
     f"INSERT INTO lessons_fts(lessons_fts, rowid, {_columns}) VALUES ('delete', old.id, {_old}); "
     f"INSERT INTO lessons_fts(rowid, {_columns}) VALUES (new.id, {_new}); END"),
)
# Index what the table already holds (a migration on a database with lessons in it).
SQLITE_REBUILD = "INSERT INTO lessons_fts(lessons_fts) VALUES ('rebuild')"
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS lessons_fts_insert",
    "DROP TRIGGER IF EXISTS lessons_fts_delete",
    "DROP TRIGGER IF EXISTS lessons_fts_update",
    "DROP TABLE IF EXISTS lessons_fts",
)


def _document() -> str:
    """The weighted tsvector of a lesson, as SQL over its columns."""
    def part(columns, weight):
        joined = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
        return f"setweight(to_tsvector('english', {joined}), '{weight}')"

    return " || ".join((part(["title"], "A"), part(["recommendation"], "B"),
                        part(["event", "effect"], "C"), part(["cause", "early_warning"], "D")))


# A stored generated column, so ranking reads each lesson's vector instead of rebuilding it.
POSTGRESQL_DDL = (
    ("ALTER TABLE lessons ADD COLUMN IF NOT EXISTS search_vector tsvector "
     f"GENERATED ALWAYS AS ({_document()}) STORED"),
    "CREATE INDEX IF NOT EXISTS lessons_search_idx ON lessons USING gin (search_vector)",
)
POSTGRESQL_DROP = (
    "DROP INDEX IF EXISTS lessons_search_idx",
    "ALTER TABLE lessons DROP COLUMN IF EXISTS search_vector",
)

INSTALL_DDL = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}
DROP_DDL = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}


def watch(table) -> None:
    """Install the search DDL whenever create_all builds `table` (lessons), and drop the
    FTS5 table with it (SQLite drops a table's triggers itself; PostgreSQL its indexes)."""
    for dialect, statements in INSTALL_DDL.items():
        for statement in statements:
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
    event.listen(table, "after_drop", DDL("DROP TABLE IF EXISTS lessons_fts").execute_if(dialect="sqlite"))


def kept_out_of_migrations(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: False for the search index's own objects, which the
    models do not declare (the FTS5 table and its shadow tables, the tsvector column and
    its index) so that autogenerate and the drift check leave them alone."""
    if type_ == "table" and name and name.startswith("lessons_fts"):
        return False
    if type_ == "column" and name == "search_vector" and getattr(object_, "table", None) is not None \
            and object_.table.name == "lessons":
        return False
    if type_ == "index" and name == "lessons_search_idx":
        return False
    return True


def install_search(connection) -> None:
    """Create the search index on this connection's database and fill it (for the migration)."""
    for statement in INSTALL_DDL.get(connection.dialect.name, ()):
        connection.execute(text(statement))
    if connection.dialect.name == "sqlite":
        connection.execute(text(SQLITE_REBUILD))


def remove_search(connection) -> None:
    """Drop the search index (the migration's downgrade)."""
    for statement in DROP_DDL.get(connection.dialect.name, ()):
        connection.execute(text(statement))


# ------------------------------------------------------------------------- queries

WORD = re.compile(r"[^\W_]+")
# A quoted phrase (closed or not) or a run of other characters, either led by "-" to exclude it.
ITEM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# PostgreSQL's English stop words (Snowball), left out on both databases so they agree.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can did do does doing don down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own s same she
should so some such t than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
you your yours yourself yourselves
""".split())


@dataclass(frozen=True)
class SearchTerms:
    """What a typed query asks for: words and phrases to find, and ones to exclude."""

    include: tuple[tuple[str, ...], ...] = ()
    exclude: tuple[tuple[str, ...], ...] = ()
    words: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.include)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every item a quoted string, so nothing is an operator."""
        quoted = lambda item: '"' + " ".join(item) + '"'  # noqa: E731
        return " ".join(quoted(item) for item in self.include) + "".join(
            f" NOT {quoted(item)}" for item in self.exclude)

    def websearch(self) -> str:
        """The same query in websearch_to_tsquery's syntax (words, "phrases", -exclusions)."""
        written = lambda item: item[0] if len(item) == 1 else '"' + " ".join(item) + '"'  # noqa: E731
        return " ".join([written(item) for item in self.include] + ["-" + written(item) for item in self.exclude])


def parse_query(typed: str | None) -> SearchTerms:
    """Words, "quoted phrases" and -exclusions from anything typed; everything else is dropped.

    A word joined to others by punctuation (CR-0012, e-mail) is searched as a phrase. Stop
    words alone are dropped; a query of nothing but exclusions or stop words searches nothing.
    """
    include, exclude = [], []
    for match in ITEM.finditer((typed or "")[:MAX_QUERY_LENGTH]):
        negated = bool(match.group(1) if match.group(2) is not None else match.group(3))
        words = tuple(word.lower() for word in WORD.findall(match.group(2) or match.group(4) or ""))
        if all(word in STOP_WORDS for word in words):  # also nothing at all
            continue
        target = exclude if negated else include
        if words not in target and len(include) + len(exclude) < MAX_TERMS:
            target.append(words)
    return SearchTerms(tuple(include), tuple(exclude),
                       frozenset(word for item in include for word in item if word not in STOP_WORDS))


def ranked_lesson_ids(dialect: str, terms: SearchTerms):
    """A subquery of the lessons matching `terms`: (lesson_id, relevance), higher is better."""
    if dialect == "postgresql":
        from .models import Lesson

        # The generated column (not mapped: the ORM never reads or writes it).
        document = literal_column("lessons.search_vector")
        query = func.websearch_to_tsquery("english", terms.websearch())
        weights = literal_column(TS_RANK_WEIGHTS)
        return (select(Lesson.id.label("lesson_id"),
                       func.ts_rank_cd(weights, document, query, type_=Float).label("relevance"))
                .where(document.op("@@")(query)).subquery("ranked"))
    weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
    return (text(f"SELECT rowid AS lesson_id, -bm25(lessons_fts, {weights}) AS relevance "
                 "FROM lessons_fts WHERE lessons_fts MATCH :match")
            .bindparams(match=terms.fts5())
            .columns(lesson_id=Integer, relevance=Float).subquery("ranked"))


# ------------------------------------------------------------------------- snippets

SUFFIXES = ("ingly", "edly", "ing", "ies", "ied", "ed", "es", "s", "ly", "y", "e")
SNIPPET_WORDS = 30


def stem(word: str) -> str:
    """A rough stem to recognise forms of a searched word in a snippet ("delays" ~ "delay")."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _matches(token: str, stems: frozenset[str]) -> bool:
    lowered = token.lower()
    return any(lowered.startswith(each) for each in stems)


def highlight(text_: str, terms: SearchTerms, limit: int | None = None) -> Markup:
    """`text_` escaped, with the searched words marked; cut to about `limit` words around the
    first match (with ellipses) when a limit is given."""
    stems = frozenset(stem(word) for word in terms.words)
    tokens = list(WORD.finditer(text_))
    start, end = 0, len(text_)
    if limit and len(tokens) > limit:
        first = next((n for n, token in enumerate(tokens) if _matches(token.group(), stems)), 0)
        begin = max(0, min(first - limit // 3, len(tokens) - limit))
        start = tokens[begin].start() if begin else 0
        end = tokens[begin + limit - 1].end() if begin + limit < len(tokens) else len(text_)
    pieces = [Markup("… ") if start else Markup("")]
    cursor = start
    for token in tokens:
        if token.start() < start or token.end() > end:
            continue
        if stems and _matches(token.group(), stems):
            pieces.append(escape(text_[cursor:token.start()]))
            pieces.append(Markup("<mark>{}</mark>").format(token.group()))
            cursor = token.end()
    pieces.append(escape(text_[cursor:end]))
    if end < len(text_):
        pieces.append(Markup(" …"))
    return Markup("").join(pieces)


def best_field(lesson, terms: SearchTerms) -> str | None:
    """The text field of `lesson` where the searched words occur most (the recommendation
    first on a tie, or when nothing was searched); None if every field is empty."""
    stems = frozenset(stem(word) for word in terms.words)
    filled = [name for name in SNIPPET_FIELDS if (getattr(lesson, name) or "").strip()]
    if not filled:
        return None
    counts = {name: sum(_matches(t, stems) for t in WORD.findall(getattr(lesson, name))) for name in filled}
    return max(filled, key=lambda name: (counts[name], -filled.index(name)))


def snippet(lesson, terms: SearchTerms) -> tuple[str | None, Markup]:
    """(field name, highlighted excerpt) to show under a lesson in search results."""
    name = best_field(lesson, terms)
    if name is None:
        return None, Markup("")
    return name, highlight(getattr(lesson, name), terms, limit=SNIPPET_WORDS)
