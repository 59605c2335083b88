"""Spotting duplicated effort: existing requests and initiatives that look like the one being
written, and the lessons of similar work that has already closed.

How it matches. Title and description are lower-cased, stripped of accents and punctuation,
and split into words; English stop words and PMO boilerplate ("project", "new", "system" ...)
are dropped, and a light stemmer folds plurals and -ing/-ed endings ("bookings", "booked" and
"booking" all count as one word). Each initiative becomes a TF-IDF vector (title words count
three times; counts are dampened with a logarithm so a long description cannot drown its
title) and candidates are ranked by cosine similarity with the text being typed. From
MIN_SCORE a candidate is shown as similar work; from DUPLICATE_SCORE it is flagged as a
possible duplicate. The reason shown is the shared words, in the words the user typed.

What is a candidate. Everything submitted that is still a live record of work: requests in
triage, initiatives in any stage, and closed or cancelled ones (a closed one tells the
requester the work has been done, and its lessons are offered). Left out: drafts (private
to their author until submitted), and withdrawn, rejected and merged requests (dead ends:
nobody is doing that work, and a merged one points to its survivor, which is listed itself).
Only what the user may see (access.visible_clause) is ever shown.

Why it is fast. Each process keeps the index in memory, on the app. Before every check one
aggregate query (count, max id and the sum of the row versions, which SQLAlchemy moves on
every UPDATE of an initiative) says whether any initiative was added or changed since the
index was built; if so, only the changed rows' text is read and tokenised again and patched
into a copy of the index (word rarities are recomputed after 5% of the rows have changed).
A check scores only the initiatives sharing a telling word with the query (an inverted index,
skipping common words that cannot matter: see SimilarityIndex.rank), then one query keeps
those the user may see. Every worker sees every other worker's writes, with no shared cache
and no database-specific full-text machinery: it runs unchanged on SQLite and PostgreSQL.
"""
from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from workflows.lifecycle import NOT_SIMILAR_CANDIDATE_STATES

from . import access
from .extensions import db
from .forms import LINE_LENGTH, TEXT_LENGTH
from .models import Initiative, Lesson

# ------------------------------------------------------------------------------ words

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being non
below between both but by can could did do does doing down during each either else etc ever every
few for from further had has have having he her here hers herself him himself his how however i if
in into is it its itself just least less let like made make makes many may me might more most much
must my myself no nor not now of off often on once one only onto or other others otherwise our ours
ourselves out over own per put rather same several shall she should since so some such than that the
their theirs them themselves then there these they this those though through thus to too under until
up upon us very via was we well were what when where whether which while who whom whose why will with
within without would yet you your yours yourself yourselves
""".split())

# Words that every request uses and so say nothing about what this one is.
BOILERPLATE = frozenset("""
project projects new system systems initiative initiatives change changes request requests
improve improved improvement improvements improving implement implementation introduce introducing
replace replacement replacing upgrade upgrading solution solutions need needs needed want wants
better use using used provide providing allow allows enable enabling current existing across
""".split())

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_WORD = re.compile(r"[a-z0-9]+")
_VOWELS = frozenset("aeiouy")
# Double consonants left by stripping an ending ("planning" -> "plann") that are undoubled.
_KEEP_DOUBLE = frozenset("lsz")


def _has_vowel(text: str) -> bool:
    return not _VOWELS.isdisjoint(text)


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed and a final e ("bookings" -> "book").

    Deliberately lighter than Porter: it folds the forms people actually vary between a
    title and its duplicate, and rarely merges words that mean different things.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6 and _has_vowel(word[:-3]):
        word = _undouble(word[:-3])
    elif word.endswith("ed") and not word.endswith("eed") and len(word) >= 5 and _has_vowel(word[:-2]):
        word = _undouble(word[:-2])
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _VOWELS | _KEEP_DOUBLE:
        return word[:-1]
    return word


_BOILERPLATE_STEMS = frozenset(stem(word) for word in BOILERPLATE)


def words(text: str) -> list[tuple[str, str]]:
    """(stem, word as written) for each telling word of `text`, in order."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    found = []
    for word in _WORD.findall(_APOSTROPHES.sub("", text)):
        if word in STOP_WORDS or len(word) < 2 or (word.isdigit() and len(word) < 3):
            continue
        stemmed = stem(word)
        if stemmed not in _BOILERPLATE_STEMS:
            found.append((stemmed, word))
    return found


# A title says what the work is; the description mostly how. Title words count this many times.
TITLE_WEIGHT = 3
# Only this much of what is typed is read: enough for any real description, bounded cost.
MAX_TEXT = 5000


def term_counts(title: str, description: str) -> Counter:
    """Weighted counts of the stems of a title and description."""
    counts: Counter = Counter()
    for stemmed, _word in words((title or "")[:MAX_TEXT]):
        counts[stemmed] += TITLE_WEIGHT
    for stemmed, _word in words((description or "")[:MAX_TEXT]):
        counts[stemmed] += 1
    return counts


# ------------------------------------------------------------------------------ index


@dataclass(frozen=True)
class Ranked:
    """One candidate's similarity to the query: its id and cosine score (0 to 1)."""

    initiative_id: int
    score: float


class SimilarityIndex:
    """TF-IDF vectors of a set of documents in an inverted index (word -> {slot: weight}, a
    slot being a document's position), to score only the documents that share a word with the
    query. Knows nothing of the database.

    Never changed once built: `updated()` returns a new index sharing what did not change, so
    a request reading one while another thread refreshes it is safe without locks.
    """

    # Documents changed since the last full build, as a share of all, before IDF is recomputed.
    REBUILD_AFTER = 0.05

    def __init__(self, counts: dict[int, Counter]):
        self.counts = dict(counts)
        documents = len(self.counts)
        frequency: Counter = Counter()
        for terms in self.counts.values():
            frequency.update(terms.keys())
        self.idf = {term: math.log((documents + 1) / (df + 1)) + 1 for term, df in frequency.items()}
        self.unseen_idf = math.log(documents + 1) + 1
        self.postings: dict[str, dict[int, float]] = {}
        # The largest weight each word has in any document: what it can add to a score at most.
        self.max_weight: dict[str, float] = {}
        self.doc_of: list[int | None] = []
        self.slot_of: dict[int, int] = {}
        self.drift = 0
        for doc_id, terms in self.counts.items():
            self._add(doc_id, terms)

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[int, str, str]]) -> SimilarityIndex:
        """An index of (id, title, description) triples."""
        return cls({doc_id: term_counts(title, description) for doc_id, title, description in texts})

    def _vector(self, terms: Counter) -> dict[str, float]:
        """Unit-length TF-IDF weights: dampened counts times how rare each word is."""
        vector = {term: (1 + math.log(count)) * self.idf.get(term, self.unseen_idf) for term, count in terms.items()}
        norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
        return {term: weight / norm for term, weight in vector.items()}

    def _add(self, doc_id: int, terms: Counter) -> None:
        slot = self.slot_of[doc_id] = len(self.doc_of)
        self.doc_of.append(doc_id)
        for term, weight in self._vector(terms).items():
            self.postings.setdefault(term, {})[slot] = weight
            if weight > self.max_weight.get(term, 0.0):
                self.max_weight[term] = weight

    def updated(self, changed: dict[int, Counter], removed: Iterable[int]) -> SimilarityIndex:
        """A new index with `changed` documents (re)placed and `removed` ones gone.

        The word rarities stay those of the last full build until more than REBUILD_AFTER of
        the documents have changed, so one edited request costs a millisecond, not a rebuild.
        (Removing a document leaves max_weight as it was: still an upper bound.)
        """
        removed = [doc_id for doc_id in removed if doc_id in self.counts]
        counts = {**self.counts, **changed}
        for doc_id in removed:
            del counts[doc_id]
        if self.drift + len(changed) + len(removed) > self.REBUILD_AFTER * len(counts) + 20:
            return SimilarityIndex(counts)
        new = object.__new__(SimilarityIndex)
        new.__dict__.update(self.__dict__, counts=counts, postings=dict(self.postings),
                            max_weight=dict(self.max_weight), doc_of=list(self.doc_of),
                            slot_of=dict(self.slot_of), drift=self.drift + len(changed) + len(removed))
        copied: set[str] = set()
        for doc_id in [*removed, *(d for d in changed if d in self.counts)]:
            slot = new.slot_of.pop(doc_id)
            new.doc_of[slot] = None
            for term in self.counts[doc_id]:
                if term not in copied:
                    new.postings[term] = dict(new.postings[term])
                    copied.add(term)
                del new.postings[term][slot]
        for doc_id, terms in changed.items():
            for term in terms:
                if term not in copied and term in new.postings:
                    new.postings[term] = dict(new.postings[term])
                copied.add(term)
            new._add(doc_id, terms)
        return new

    def rank(self, title: str, description: str = "", limit: int = 50, min_score: float = 0.0) -> list[Ranked]:
        """The `limit` documents most similar to the query, best first, scoring at least `min_score`.

        Cosine similarity, computed exactly for every document returned, but cheaply: the
        common words whose combined best contribution could not lift a document to
        `min_score` on their own are not walked through ("officers" is in thousands of
        documents); they are added only to the documents the telling words have brought
        within reach of `min_score` (the MaxScore method of search engines).
        """
        query = self._query(title, description)
        if not query:
            return []
        order = sorted(query, key=lambda term: query[term] * self.max_weight.get(term, 0.0))
        bound, finishing = 0.0, []
        for term in order:
            reach = query[term] * self.max_weight.get(term, 0.0)
            if bound + reach >= min_score:
                break
            bound += reach
            finishing.append(term)
        scores = [0.0] * len(self.doc_of)
        for term in order[len(finishing):]:
            weight = query[term]
            for slot, doc_weight in self.postings.get(term, {}).items():
                scores[slot] += weight * doc_weight
        floor = min_score - bound
        within_reach = [slot for slot, score in enumerate(scores) if score > 0 and score >= floor]
        for term in finishing:
            weight, posting = query[term], self.postings.get(term, {})
            for slot in within_reach:
                if slot in posting:
                    scores[slot] += weight * posting[slot]
        best = heapq.nlargest(limit, ((scores[slot], self.doc_of[slot]) for slot in within_reach
                                      if scores[slot] >= min_score))
        return [Ranked(doc_id, score) for score, doc_id in best]

    def _query(self, title: str, description: str) -> dict[str, float]:
        counts = term_counts(title, description)
        return self._vector(counts) if counts else {}

    def shared_words(self, title: str, description: str, doc_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """For each document, the query's words it also has, most telling first, as the user wrote them."""
        query = self._query(title, description)
        surface = _surface_forms(title, description)
        shared = {}
        for doc_id in doc_ids:
            terms = self.counts.get(doc_id, {})
            common = sorted((t for t in query if t in terms), key=lambda t: (-query[t] * self.idf.get(t, 0.0), t))
            shared[doc_id] = tuple(surface.get(t, t) for t in common)
        return shared


def _surface_forms(title: str, description: str) -> dict[str, str]:
    """Each stem as the user first wrote it, to explain a match in their own words."""
    forms: dict[str, str] = {}
    for stemmed, word in words(f"{(title or '')[:MAX_TEXT]} {(description or '')[:MAX_TEXT]}"):
        forms.setdefault(stemmed, word)
    return forms


# ------------------------------------------------------------------ the live portfolio

# Never offered as similar work (see the module docstring).
NOT_CANDIDATES = NOT_SIMILAR_CANDIDATE_STATES
# Below this cosine, work shares a word or two by chance: not shown. From it, it is related
# work worth a look (and its lessons are offered if it has closed).
MIN_SCORE = 0.2
# From this cosine a match is flagged as a possible duplicate. Set between the two groups of
# tests/test_similarity.py's fixed pairs: near-duplicates score 0.47 and up, related but
# different work (same unit, same place, same kit) mostly below 0.40.
DUPLICATE_SCORE = 0.42
# How many ranked candidates are checked against what the user may see.
CANDIDATES = 200


@dataclass
class _Cache:
    """One process's index, the row versions it was built from, and their summary key."""

    key: tuple | None = None
    versions: dict[int, int] = field(default_factory=dict)
    index: SimilarityIndex = field(default_factory=lambda: SimilarityIndex({}))
    lock: threading.Lock = field(default_factory=threading.Lock)


def _cache() -> _Cache:
    return current_app.extensions.setdefault("similarity", _Cache())


def _portfolio_key() -> tuple:
    """Changes whenever an initiative is added, removed or updated (every UPDATE moves its version)."""
    row = db.session.execute(select(func.count(Initiative.id), func.max(Initiative.id),
                                    func.sum(Initiative.version))).one()
    return tuple(int(value or 0) for value in row)


def current_index() -> SimilarityIndex:
    """The index of every candidate initiative, as the database has it now."""
    cache = _cache()
    key = _portfolio_key()
    if key != cache.key:
        with cache.lock:
            if key != cache.key:
                _refresh(cache, key)
    return cache.index


def _refresh(cache: _Cache, key: tuple) -> None:
    """Bring the cache up to date: read versions, re-read text only where a version moved."""
    versions = dict(db.session.execute(select(Initiative.id, Initiative.version)
                                       .where(Initiative.state.not_in(NOT_CANDIDATES))).all())
    index = cache.index
    removed = [doc_id for doc_id in index.counts if doc_id not in versions]
    stale = [doc_id for doc_id, version in versions.items() if cache.versions.get(doc_id) != version]
    changed = {}
    for start in range(0, len(stale), 500):
        for doc_id, title, description in db.session.execute(
                select(Initiative.id, Initiative.title, Initiative.description)
                .where(Initiative.id.in_(stale[start:start + 500]))):
            terms = term_counts(title, description)
            # A move between stages changes the version, not the words: nothing to re-index.
            if index.counts.get(doc_id) != terms:
                changed[doc_id] = terms
    if changed or removed:
        index = index.updated(changed, removed)
    cache.index, cache.versions, cache.key = index, versions, key


@dataclass(frozen=True)
class Match:
    """An existing initiative that looks like the text given, and why."""

    initiative: Initiative
    score: float
    shared: tuple[str, ...]

    @property
    def likely_duplicate(self) -> bool:
        return self.score >= DUPLICATE_SCORE

    @property
    def reason(self) -> str:
        """"Shares: custody, booking, video" (at most five words)."""
        return "Shares: " + ", ".join(self.shared[:5])


@dataclass(frozen=True)
class SimilarLesson:
    """A lesson of a closed initiative similar to the text given."""

    lesson: Lesson
    source: Match


@dataclass(frozen=True)
class SimilarWork:
    """What the request form and the triage page show: similar work and its lessons."""

    matches: list[Match]
    lessons: list[SimilarLesson]
    asked: bool  # False when there was nothing to match on (no telling words typed yet)


def similar_work(title: str, description: str, user, *, exclude_id: int | None = None,
                 limit: int = 5, lessons: int = 3) -> SimilarWork:
    """Up to `limit` initiatives `user` may see that look like the title and description,
    and up to `lessons` lessons of the most similar closed work they may see.

    Only as much text as the request form accepts is compared, so an over-long post (which
    the form refuses) costs no more than the longest it allows."""
    title, description = title[:LINE_LENGTH], description[:TEXT_LENGTH]
    if not term_counts(title, description):
        return SimilarWork([], [], asked=False)
    index = current_index()
    ranked = [r for r in index.rank(title, description, limit=CANDIDATES, min_score=MIN_SCORE)
              if r.initiative_id != exclude_id]
    states = _visible_states(user, [r.initiative_id for r in ranked])
    ranked = [r for r in ranked if r.initiative_id in states]
    shown = ranked[:limit]
    closed = [r for r in ranked if states[r.initiative_id] == "closed"][:limit] if lessons > 0 else []
    chosen = {r.initiative_id for r in shown + closed}
    rows = {row.id: row for row in db.session.scalars(select(Initiative).where(Initiative.id.in_(chosen)))}
    shared = index.shared_words(title, description, chosen)

    def match(r: Ranked) -> Match:
        return Match(rows[r.initiative_id], r.score, shared[r.initiative_id])

    return SimilarWork([match(r) for r in shown], _lessons_of([match(r) for r in closed], lessons), asked=True)


def _visible_states(user, ids: list[int]) -> dict[int, str]:
    """The state of each initiative among `ids` that `user` may see and that is still a candidate."""
    if not ids:
        return {}
    query = select(Initiative.id, Initiative.state).where(
        Initiative.id.in_(ids), access.visible_clause(user), Initiative.state.not_in(NOT_CANDIDATES))
    return dict(db.session.execute(query).all())


_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _lessons_of(closed: list[Match], limit: int) -> list[SimilarLesson]:
    """The top lessons of the closed matches: the most similar initiative's first, then by
    the lesson's priority and the newest first."""
    if not closed or limit <= 0:
        return []
    query = select(Lesson).where(Lesson.initiative_id.in_([m.initiative.id for m in closed]))
    if hasattr(Lesson, "deleted_at"):  # soft-deleted lessons are not offered
        query = query.where(Lesson.deleted_at.is_(None))
    rank = {m.initiative.id: n for n, m in enumerate(closed)}
    source = {m.initiative.id: m for m in closed}
    lessons = sorted(db.session.scalars(query), key=lambda lesson: (
        rank[lesson.initiative_id], _PRIORITY_ORDER.get(lesson.priority, 3), -lesson.date_added.toordinal(),
        lesson.id))
    return [SimilarLesson(lesson, source[lesson.initiative_id]) for lesson in lessons[:limit]]
