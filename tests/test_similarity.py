"""Duplicate detection (pmo_web/similarity.py): the words it compares, how it ranks, how
good it is on a fixed set of near-duplicates and non-duplicates, that it is useful on the
demo portfolio, that it keeps up with changes, and that it is fast at 5,000 initiatives."""
from __future__ import annotations

import random
import re
import statistics
import time

import pytest
from sqlalchemy import insert, select

from pmo_web import similarity
from pmo_web.demo import seed
from pmo_web.extensions import db
from pmo_web.models import Initiative, User
from pmo_web.similarity import (
    DUPLICATE_SCORE,
    MIN_SCORE,
    NOT_CANDIDATES,
    SimilarityIndex,
    similar_work,
    stem,
    term_counts,
    words,
)
from tests import factories

# ------------------------------------------------------------------------------ words


@pytest.mark.parametrize(("word", "stemmed"), [
    ("bookings", "book"), ("booking", "book"), ("booked", "book"), ("book", "book"),
    ("policies", "policy"), ("cameras", "camera"), ("officers", "officer"), ("officer", "officer"),
    ("planning", "plan"), ("planned", "plan"), ("recording", "record"), ("recorded", "record"),
    ("police", "polic"), ("policing", "polic"), ("cases", "cas"), ("case", "cas"),
    ("process", "process"), ("status", "status"), ("analysis", "analysis"), ("speed", "speed"),
    ("speeding", "speed"), ("calling", "call"), ("boxes", "box"), ("sms", "sms"), ("101", "101"),
])
def test_the_stemmer_folds_plurals_and_endings(word, stemmed):
    assert stem(word) == stemmed


def test_words_drop_punctuation_stop_words_and_pmo_boilerplate():
    found = words("A NEW project: replace the Body-worn Video system for officers' use (phase 2)!")
    assert [written for _stem, written in found] == ["body", "worn", "video", "officers", "phase"]
    assert [s for s, _written in words("Siân's café bookings")] == ["sian", "caf", "book"]


def _index(*texts: tuple[str, str]) -> SimilarityIndex:
    return SimilarityIndex.from_texts((n, title, description) for n, (title, description) in enumerate(texts))


def test_title_words_count_more_than_description_words():
    index = _index(("Custody interpreters", "Book them from the record."),
                   ("Front counter appointments", "Includes interpreters for custody visitors."))
    ranked = index.rank("custody interpreters")
    assert [r.initiative_id for r in ranked] == [0, 1]
    assert ranked[0].score > ranked[1].score


def test_a_shared_rare_word_outweighs_a_shared_common_one():
    index = _index(("Mobile data for officers", ""), ("Mobile app for officers", ""),
                   ("Mobile radios for officers", ""), ("Tasers for officers", ""))
    ranked = index.rank("Taser refresher for officers")
    assert ranked[0].initiative_id == 3
    assert index.shared_words("Taser refresher for officers", "", [3]) == {3: ("taser", "officers")}


def test_the_reason_uses_the_words_as_the_user_typed_them():
    index = _index(("Interpreter booking system for custody", "Video interpreters for detainees."))
    assert index.rank("Booking video interpreters", "for custody")[0].initiative_id == 0
    assert set(index.shared_words("Booking video interpreters", "for custody", [0])[0]) == {
        "booking", "video", "interpreters", "custody"}


def test_nothing_telling_typed_means_nothing_to_rank():
    index = _index(("Custody interpreters", ""))
    assert index.rank("The new system", "for the project") == []
    assert index.rank("", "") == []


# ---------------------------------------------------------------- quality on fixed pairs

# Existing work, then requests that duplicate one of them in other words, and requests that
# share words with one of them but are different work (same unit, same place, same kit).
CORPUS = {
    "custody_interpreters": ("Interpreter booking system for custody",
                             "Book face-to-face and video interpreters for detainees from the custody record, "
                             "with the cost charged to the right budget."),
    "bwv_redaction": ("Body-worn video redaction tool",
                      "Software that blurs faces, number plates and personal data in body-worn video before it "
                      "is disclosed to the CPS or the public."),
    "anpr": ("ANPR camera network expansion",
             "Add 30 fixed ANPR cameras on the main routes into the county, linked to the national ANPR database."),
    "drones": ("Drone unit expansion",
               "Add four drones and train eight more pilots so a drone is available on every shift for searches "
               "and pursuits."),
    "ev_charging": ("Electric vehicle charging at police stations",
                    "Install charge points at twelve stations so the fleet can move to electric vehicles."),
    "webchat": ("Webchat for non-emergency contact",
                "Add webchat to the force website for non-emergency contact, answered by the contact centre."),
    "callback": ("Contact centre callback service",
                 "Offer 101 callers a callback at busy times instead of waiting in the queue."),
    "track_reports": ("Online account for the public to track their reports",
                      "A secure online account where people can follow the progress of crimes and incidents "
                      "they reported."),
    "shop_theft": ("Online reporting of shop theft for retailers",
                   "A secure online form for retailers to report shop theft with CCTV stills."),
    "fingerprint": ("Mobile fingerprint scanners for response officers",
                    "Handheld scanners linked to the national biometric service so officers can confirm identity "
                    "at the roadside."),
    "wellbeing_app": ("Wellbeing app for officers and staff",
                      "A mobile app giving officers and staff confidential access to trauma support and peer "
                      "supporters."),
    "peer_support": ("Officer wellbeing peer support network",
                     "Train volunteer peer supporters across the force and give them protected time."),
    "rota": ("Rota and duty management replacement",
             "Replace the duty management system with a rota, leave and overtime system officers can use on "
             "their phones."),
    "dems": ("Digital evidence management system",
             "One cloud store for digital evidence: CCTV, body-worn video, phone downloads and interview recordings."),
    "custody_refurbishment": ("Custody suite refurbishment",
                              "Refurbish the central custody suite: anti-ligature fittings, CCTV in every cell, "
                              "new booking-in desks."),
    "firearms": ("Firearms licensing online applications",
                 "Let applicants for firearm and shotgun certificates apply online and upload medical evidence."),
    "forensic": ("Forensic exhibit tracking with barcodes",
                 "Barcode every forensic exhibit and track its movement from scene to laboratory to court."),
    "mental_health": ("Mental health triage car",
                      "A car crewed by a police officer and a mental health nurse attending calls where mental "
                      "health is a factor."),
    "dash": ("Domestic abuse risk assessment digitisation",
             "Officers complete the DASH risk assessment on a mobile device at the scene."),
    "telematics": ("Fleet telematics",
                   "Fit telematics to the fleet to record location, mileage, idling and driving standards."),
    "vetting": ("Vetting case management system",
                "A case management system for recruitment and renewal vetting with automatic reminders."),
    "front_counter": ("Station front counter appointment booking",
                      "Let the public book a time at a station front counter online, for example to produce "
                      "documents."),
    "missing_person": ("Missing person search planning app",
                       "A mobile app for search advisers to plan and record missing person searches."),
    "speed_vans": ("Speed enforcement van replacement",
                   "Replace three speed enforcement vans that reach the end of their life next year."),
    "stop_search": ("Stop and search transparency dashboard",
                    "A public dashboard of stop and search by area, ethnicity and outcome."),
    "taser": ("Taser training facility upgrade",
              "Convert the disused garage at the training centre into a Taser and personal safety training "
              "facility."),
    "cctv_upload": ("Upload portal for CCTV footage from the public",
                    "A portal where the public and businesses upload CCTV and doorbell footage for investigations."),
    "victim_sms": ("Victim updates by SMS",
                   "Send automatic text messages to victims at key points in their case."),
    "case_file": ("Digital case file quality checker",
                  "Automatic checks on case files before they go to the CPS, flagging missing statements."),
    "youth_diversion": ("Youth diversion scheme with local authorities",
                        "Divert young people arrested for first low-level offences into a council-run programme."),
}

DUPLICATES = [
    ("Booking interpreters for detainees in custody",
     "Custody sergeants spend hours phoning around for interpreters; we want to book them online.",
     "custody_interpreters"),
    ("Automatic blurring of faces in body worn camera footage",
     "Redact faces and number plates before footage is disclosed.", "bwv_redaction"),
    ("More ANPR cameras on main roads", "Expand the ANPR network with extra cameras on routes into the county.",
     "anpr"),
    ("Expand the drone unit", "Buy more drones and train more pilots for searches.", "drones"),
    ("Charge points for electric patrol cars at stations",
     "The fleet is moving to electric vehicles and stations need chargers.", "ev_charging"),
    ("Live chat on the force website for non-emergency calls",
     "Let the public contact us by webchat instead of phoning 101.", "webchat"),
    ("Let the public track progress of their crime reports online",
     "Victims want to check the status of their report without phoning.", "track_reports"),
    ("Handheld fingerprint scanners for officers",
     "Check identity at the roadside using a mobile biometric scanner.", "fingerprint"),
    ("Trauma support app for staff wellbeing",
     "An app where officers can get confidential wellbeing and trauma support.", "wellbeing_app"),
    ("Barcode tracking of forensic exhibits", "Track exhibits from the scene to the lab with barcodes.", "forensic"),
    ("Online firearms certificate applications",
     "Applicants should be able to apply for firearm certificates online.", "firearms"),
    ("Text message updates for victims of crime", "Send victims SMS updates at key points in their case.",
     "victim_sms"),
    ("Portal for the public to upload doorbell and CCTV footage", "Witnesses could send us video evidence online.",
     "cctv_upload"),
    ("Online appointments at station front counters", "Book a slot at the front counter instead of queueing.",
     "front_counter"),
]

NON_DUPLICATES = [
    ("Replacement of custody CCTV recorders",
     "Replace the recorders behind the custody CCTV cameras in the outlying suites.", "custody_refurbishment"),
    ("Video interpreting at station front counters",
     "Tablets at front counters giving on-demand video interpreting.", "front_counter"),
    ("Electric vans for the dog section", "Buy electric vans adapted for police dogs.", "ev_charging"),
    ("Wellbeing checks for call handlers",
     "Regular wellbeing conversations for staff in the contact centre.", "wellbeing_app"),
    ("Drone pilot licence renewals", "Keep a record of when each drone pilot's licence must be renewed.", "drones"),
    ("Mobile data terminals in patrol cars",
     "Fit in-car laptops so response officers can run checks without radioing control.", "fingerprint"),
    ("Mental health training for call handlers",
     "Teach contact centre staff to recognise mental health crises on the phone.", "mental_health"),
    ("Stop and search body-worn video audit",
     "Sample stop and search encounters and review the body-worn video for quality.", "bwv_redaction"),
    ("Case management for civil claims against the force",
     "Track civil claims, costs and outcomes in one place.", "vetting"),
    ("Online payment of fixed penalty notices", "Let drivers pay fixed penalties online.", "firearms"),
    ("Rota planning for neighbourhood events", "A small app to plan shifts around community events.", "rota"),
    ("Forensic laboratory accreditation",
     "Achieve ISO 17025 accreditation for the digital forensic unit.", "forensic"),
    ("Youth engagement football league", "Officers run a weekly football league with young people.",
     "youth_diversion"),
]


def _flagged(index: SimilarityIndex, keys: list[str], title: str, description: str, target: str) -> bool:
    """Would the request form flag `target` as a possible duplicate of this request?"""
    shown = index.rank(title, description, limit=5, min_score=MIN_SCORE)
    return any(keys[r.initiative_id] == target and r.score >= DUPLICATE_SCORE for r in shown)


def _listed(index: SimilarityIndex, keys: list[str], title: str, description: str, target: str) -> bool:
    """Would the request form list `target` among the (up to five) similar requests?"""
    return any(keys[r.initiative_id] == target for r in index.rank(title, description, limit=5, min_score=MIN_SCORE))


def _precision_recall(decide) -> tuple[float, float, dict]:
    keys = list(CORPUS)
    index = SimilarityIndex.from_texts((n, *text) for n, text in enumerate(CORPUS.values()))
    true_pos = sum(decide(index, keys, *pair) for pair in DUPLICATES)
    false_pos = sum(decide(index, keys, *pair) for pair in NON_DUPLICATES)
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
    recall = true_pos / len(DUPLICATES)
    return precision, recall, {"tp": true_pos, "fp": false_pos, "fn": len(DUPLICATES) - true_pos,
                               "tn": len(NON_DUPLICATES) - false_pos}


def test_the_fixed_set_is_big_enough_and_every_target_exists():
    assert len(DUPLICATES) >= 10 and len(NON_DUPLICATES) >= 10
    assert {target for *_text, target in DUPLICATES + NON_DUPLICATES} <= set(CORPUS)


def test_possible_duplicate_flag_precision_and_recall(capsys):
    """The "Possible duplicate" flag: precision and recall on the fixed pairs, both >= 0.8."""
    precision, recall, counts = _precision_recall(_flagged)
    listed_precision, listed_recall, listed = _precision_recall(_listed)
    with capsys.disabled():
        print(f"\nDuplicate flag (score >= {DUPLICATE_SCORE}) on {len(DUPLICATES)} near-duplicates and "
              f"{len(NON_DUPLICATES)} non-duplicates: precision {precision:.2f}, recall {recall:.2f} {counts}")
        print(f"Similar list (score >= {MIN_SCORE}, top 5): precision {listed_precision:.2f}, "
              f"recall {listed_recall:.2f} {listed}")
    assert precision >= 0.8, counts
    assert recall >= 0.8, counts
    # The wider list exists to catch what the flag misses: it finds every near-duplicate.
    assert listed_recall >= recall


def test_each_near_duplicate_ranks_its_original_first():
    keys = list(CORPUS)
    index = SimilarityIndex.from_texts((n, t, d) for n, (t, d) in enumerate(CORPUS.values()))
    firsts = {target: keys[index.rank(title, description, limit=1)[0].initiative_id]
              for title, description, target in DUPLICATES}
    assert firsts == {target: target for *_text, target in DUPLICATES}


# ------------------------------------------------------------------------ the demo portfolio


def near_copy(title: str) -> str:
    """What a second requester might type: lower case, no punctuation, a word left out, the
    last word's number changed ("Drone unit expansion" -> "drone unit expansions")."""
    typed = re.sub(r"[^\w\s]", " ", title.lower()).split()
    typed[-1] = typed[-1][:-1] if typed[-1].endswith("s") else typed[-1] + "s"
    if len(typed) >= 4:
        del typed[1]
    return " ".join(typed)


def test_on_the_demo_a_near_copy_of_any_title_ranks_it_first(app):
    assert seed() is True
    pmo = User.by_email("pmo@demo.local")
    requester = User.by_email("requester@demo.local")
    candidates = db.session.scalars(select(Initiative).where(Initiative.state.not_in(NOT_CANDIDATES))).all()
    assert len(candidates) >= 30
    missed = {}
    for initiative in candidates:
        work = similar_work(near_copy(initiative.title), "", pmo)
        first = work.matches[0].initiative if work.matches else None
        if first is not initiative:
            missed[near_copy(initiative.title)] = first.title if first else None
    assert missed == {}
    # The demo's own duplicate: "Track my crime report online" was merged into the account.
    work = similar_work("Track my crime report online", "Victims enter their crime number to see its status.", pmo)
    assert work.matches[0].initiative.title == "Online account for the public to track their reports"
    assert work.matches[0].likely_duplicate
    # A requester sees only what their department may see: nothing of another department.
    visible = similar_work("Body worn video redaction", "", requester).matches
    assert all(m.initiative.department_id == requester.department_id or m.initiative.owner_id == requester.id
               for m in visible)
    assert "Body-worn video redaction tool" in [m.initiative.title for m in similar_work(
        "Body worn video redaction", "", pmo).matches]


def test_on_the_demo_lessons_come_from_similar_closed_work(app):
    seed()
    pmo = User.by_email("pmo@demo.local")
    work = similar_work("Online reporting of bicycle theft", "An online form for the public to report theft.", pmo)
    assert work.lessons, "the closed shop theft reporting work has a lesson"
    assert all(item.source.initiative.state == "closed" for item in work.lessons)
    assert work.lessons[0].source.initiative.title == "Online reporting of shop theft for retailers"
    assert len(work.lessons) <= 3


# ------------------------------------------------------------------- the live index


@pytest.fixture
def people(app):
    department = factories.make_department("Criminal Justice and Custody")
    made = {"pmo": factories.make_user(roles=("pmo",), department=department),
            "requester": factories.make_user(roles=("requester",), department=department),
            "outsider": factories.make_user(roles=("requester",))}
    db.session.commit()
    return made


def _titles(work) -> list[str]:
    return [m.initiative.title for m in work.matches]


def test_candidates_leave_out_drafts_dead_ends_and_the_initiative_itself(app, people):
    owner = people["requester"]
    made = {state: factories.make_initiative(owner=owner, state=state, title=f"Custody interpreter booking {state}",
                                             description="Book interpreters for detainees.")
            for state in ("draft", "submitted", "triage", "delivery", "closed", "cancelled",
                          "withdrawn", "rejected", "merged")}
    db.session.commit()
    work = similar_work("Custody interpreter booking", "", people["pmo"], exclude_id=made["triage"].id, limit=10)
    assert sorted(m.initiative.state for m in work.matches) == ["cancelled", "closed", "delivery", "submitted"]


def test_only_initiatives_the_user_may_see_are_shown(app, people):
    mine = factories.make_initiative(owner=people["requester"], state="triage", title="Custody interpreter booking")
    theirs = factories.make_initiative(owner=people["outsider"], state="triage", title="Custody interpreter bookings")
    db.session.commit()
    assert _titles(similar_work("Custody interpreter booking", "", people["requester"])) == [mine.title]
    assert _titles(similar_work("Custody interpreter booking", "", people["outsider"])) == [theirs.title]
    assert sorted(_titles(similar_work("Custody interpreter booking", "", people["pmo"]))) == sorted(
        [mine.title, theirs.title])


def test_the_index_follows_new_changed_and_closed_work(app, people):
    pmo = people["pmo"]
    assert _titles(similar_work("Drone unit expansion", "", pmo)) == []
    drones = factories.make_initiative(owner=people["requester"], state="triage", title="Drone unit expansion")
    db.session.commit()
    assert _titles(similar_work("Drone unit expansion", "", pmo)) == ["Drone unit expansion"]
    drones.title = "River boats for the marine section"
    db.session.commit()
    assert _titles(similar_work("Drone unit expansion", "", pmo)) == []
    assert _titles(similar_work("marine boat", "", pmo)) == ["River boats for the marine section"]
    drones.state = "withdrawn"  # arranging the test: the app moves states through workflows/ only
    db.session.commit()
    assert _titles(similar_work("marine boat", "", pmo)) == []


def test_a_move_between_stages_keeps_the_index(app, people):
    """A new stage changes the row's version, not its words: the weights are not rebuilt."""
    initiative = factories.make_initiative(owner=people["requester"], state="triage", title="Fleet telematics")
    db.session.commit()
    similar_work("fleet telematics", "", people["pmo"])
    built = similarity.current_index()
    initiative.state = "scoring"
    db.session.commit()
    assert similarity.current_index() is built
    assert _titles(similar_work("fleet telematics", "", people["pmo"])) == ["Fleet telematics"]


def test_lessons_of_the_most_similar_closed_work_first(app, people):
    owner = people["requester"]
    near = factories.make_initiative(owner=owner, state="closed", title="Custody interpreter booking",
                                     description="Book interpreters for detainees from the custody record.")
    far = factories.make_initiative(owner=owner, state="closed", title="Custody interpreter video calls",
                                    description="Video calls to interpreters.")
    live = factories.make_initiative(owner=owner, state="delivery", title="Custody interpreter booking tool")
    for title, initiative, priority in (("Low lesson of the near one", near, "low"),
                                        ("High lesson of the near one", near, "high"),
                                        ("Lesson of the far one", far, "high"),
                                        ("Lesson of live work", live, "high"),
                                        ("Second high lesson of the near one", near, "high")):
        factories.make_lesson(initiative, title=title, priority=priority)
    db.session.commit()
    work = similar_work("Custody interpreter booking", "Book interpreters for detainees.", people["pmo"])
    assert [item.lesson.title for item in work.lessons] == [
        "High lesson of the near one", "Second high lesson of the near one", "Low lesson of the near one"]
    assert similar_work("Custody interpreter booking", "", people["pmo"], lessons=0).lessons == []


# --------------------------------------------------------------------------------- speed

SUBJECTS = ("custody", "firearms licensing", "ANPR", "body-worn video", "drone", "fleet", "contact centre",
            "101 call", "victim update", "crime recording", "missing person", "domestic abuse",
            "stop and search", "forensic exhibit", "digital evidence", "case file", "vetting", "recruitment",
            "officer training", "wellbeing", "rota", "overtime", "payroll", "procurement", "estates",
            "station front counter", "neighbourhood policing", "road safety", "speed enforcement",
            "mental health", "youth diversion", "property store", "seized vehicle", "interpreter",
            "witness care", "intelligence", "cyber crime", "fraud", "hate crime", "child protection",
            "public order", "major event", "dog section", "mounted section", "marine unit", "CCTV", "radio",
            "mobile data", "Taser", "collision reporting")
KINDS = ("management", "online portal", "mobile app", "dashboard", "replacement", "digitisation", "review",
         "expansion", "refurbishment", "automation", "tracking", "booking", "self-service", "analytics",
         "training course", "pilot", "integration with partners", "data quality checks", "scheduling",
         "records")
AUDIENCES = ("response officers", "detectives", "PCSOs", "call handlers", "custody staff", "the public",
             "victims", "partners", "supervisors", "police staff", "the north area", "the city division")
OUTCOMES = ("save officer hours", "cut repeat calls", "meet the statutory deadline", "reduce errors in court files",
            "give victims better updates", "release cash savings", "meet HMICFRS recommendations",
            "keep officers on patrol", "reduce demand on the control room", "improve data quality")
PROBLEMS = ("paper forms are typed up twice", "the supplier contract ends next year", "staff chase updates by phone",
            "the current kit is out of support", "records are kept in spreadsheets nobody else can see",
            "the inspection found gaps", "work is duplicated between departments", "waiting times are too long")


def _realistic(rng: random.Random) -> tuple[str, str]:
    subject, kind = rng.choice(SUBJECTS), rng.choice(KINDS)
    title = f"{subject.capitalize()} {kind} for {rng.choice(AUDIENCES)}"
    other = rng.choice(SUBJECTS)
    description = (f"{kind.capitalize()} of {subject} work so that we {rng.choice(OUTCOMES)}. Today "
                   f"{rng.choice(PROBLEMS)}, and {other} teams say {rng.choice(PROBLEMS)}. "
                   f"It would {rng.choice(OUTCOMES)} and {rng.choice(OUTCOMES)} for {rng.choice(AUDIENCES)}.")
    return title, description


def test_a_check_takes_well_under_100_ms_with_5000_initiatives(app, client, auth, users, capsys):
    """The median of 20 checks through the endpoint (session, queries, ranking, rendering), as
    the PMO, who may see everything, so every candidate is loaded and checked."""
    rng = random.Random(4)
    states = ("submitted", "triage", "scoring", "business_case", "delivery", "closed", "withdrawn", "draft")
    rows = []
    for _ in range(5000):
        title, description = _realistic(rng)
        rows.append({"title": title, "description": description, "owner_id": users["requester"].id,
                     "department_id": users["requester"].department_id, "state": rng.choice(states)})
    db.session.execute(insert(Initiative), rows)
    db.session.commit()
    auth.login(users["pmo"])
    queries = [_realistic(rng) for _ in range(20)]

    cpu_times = []

    def check(title: str, description: str) -> tuple[float, str]:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post("/requests/similar", data={"title": title, "description": description},
                               headers={"HX-Request": "true"})
        elapsed = time.perf_counter() - started
        cpu_times.append(time.process_time() - cpu_started)
        assert response.status_code == 200
        return elapsed, response.get_data(as_text=True)

    first, _page = check(*queries[0])  # builds the index: once per process, then only on change
    timings, found = [], 0
    for title, description in queries:
        elapsed, page = check(title, description)
        timings.append(elapsed)
        found += "similar-requests-heading" in page
    median, cpu_median = statistics.median(timings), statistics.median(cpu_times[1:])
    changed = db.session.scalar(select(Initiative).where(Initiative.state == "triage").limit(1))
    changed.title = "Hangar roof for the air support helicopter"
    db.session.commit()
    after_change, page = check("Air support helicopter hangar roof", "")
    assert "Hangar roof for the air support helicopter" in page
    with capsys.disabled():
        print(f"\nSimilarity check with 5,000 initiatives, through the endpoint: median {median * 1000:.1f} ms "
              f"wall clock over 20 checks (max {max(timings) * 1000:.1f} ms; CPU time median "
              f"{cpu_median * 1000:.1f} ms); first check, building the index: {first * 1000:.0f} ms (CPU "
              f"{cpu_times[0] * 1000:.0f} ms); first check after a title changed: {after_change * 1000:.0f} ms")
    assert found == len(queries)  # realistic text finds similar work, so the timings include rendering
    # The check's own cost, which other processes on a shared CI machine cannot inflate, is held
    # to the 100 ms budget; the wall clock, which they can, only to a sanity bound.
    assert cpu_median < 0.100
    assert median < 0.500


def test_an_updated_index_ranks_as_a_fresh_one_would_and_leaves_the_old_one_alone():
    rng = random.Random(7)
    texts = {n: _realistic(rng) for n in range(300)}
    old = SimilarityIndex.from_texts((n, *text) for n, text in texts.items())
    texts[5] = ("Hangar roof for the air support helicopter", "")
    texts[300] = ("Helicopter hangar heating", "")
    gone = texts.pop(6)
    new = old.updated({5: term_counts(*texts[5]), 300: term_counts(*texts[300])}, [6])
    fresh = SimilarityIndex.from_texts((n, *text) for n, text in texts.items())
    assert [r.initiative_id for r in new.rank("air support helicopter hangar", limit=2)] == [5, 300]
    assert [r.initiative_id for r in fresh.rank("air support helicopter hangar", limit=2)] == [5, 300]
    assert 6 not in {r.initiative_id for r in new.rank(*texts[7], limit=300)}
    # Readers of the old index are unaffected.
    assert {5, 300}.isdisjoint(r.initiative_id for r in old.rank("air support helicopter hangar", limit=300))
    assert old.rank(*gone, limit=1)[0].initiative_id == 6


def test_skipping_common_words_never_changes_what_is_returned():
    """The MaxScore shortcut returns exactly the documents and scores a full walk gives."""
    rng = random.Random(11)
    index = SimilarityIndex.from_texts((n, *_realistic(rng)) for n in range(1000))
    for _ in range(10):
        title, description = _realistic(rng)
        full = [(r.initiative_id, round(r.score, 9)) for r in index.rank(title, description, limit=1000)]
        cut = [(r.initiative_id, round(r.score, 9)) for r in index.rank(title, description, limit=1000,
                                                                       min_score=MIN_SCORE)]
        assert cut == [pair for pair in full if pair[1] >= MIN_SCORE]
        assert cut
