"""Demo registers: the RAID logs, more lessons and valued benefits of the seeded portfolio.

Called once from pmo_web.demo.seed() after the initiatives have walked their lifecycle, so
each log matches where its initiative stands: work in business case and delivery keeps open
risks (some with reviews overdue), assumptions, issues and dependencies; finished work keeps
a closed log. A few items are escalated to the boards, some initiatives wait on each other
(one on work that is paused, one on work that is late) and on outside bodies, and every
initiative at benefits review or closed has two to four lessons. The data is the same on
every run (its own seeded generator); dates move with today.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from workflows.lifecycle import CASED_STATES, DELIVERED_STATES

from .extensions import db
from .models import Benefit, Initiative, Lesson, RaidItem

if TYPE_CHECKING:
    from .demo import Cast

# Initiatives far enough on to keep a RAID log, and those whose log is history.
LOGGED_STATES = CASED_STATES
FINISHED_STATES = DELIVERED_STATES
CORPORATE_DELIVERY_BOARD = "Corporate Delivery Board"
CHIEF_OFFICER_GROUP = "Chief Officer Group"
# What an hour of officer or staff time released is worth, fully loaded (salary, on-costs,
# overheads): how the force values non-cash-releasing benefits in its business cases.
HOURLY_VALUE = Decimal(32)


@dataclass(frozen=True)
class Risk:
    title: str
    description: str  # cause, event, effect
    category: str
    likelihood: int
    impact: int
    response: str
    mitigation: str


@dataclass(frozen=True)
class Note:
    """An assumption, issue or external dependency: title, description and, for issues, type
    and priority; for dependencies, the outside party."""

    title: str
    description: str
    issue_type: str = ""
    priority: str = ""
    party: str = ""


# --------------------------------------------------------------------------- the pools

RISKS_BY_KIND = {
    "digital": (
        Risk("Legacy data will not migrate cleanly",
             "Because the legacy records hold duplicates and free-text dates, the trial migration may reject "
             "records, delaying go-live and leaving officers on two systems.",
             "technical", 4, 3, "reduce", "Data cleansing sprint before the trial load; supplier validation tools."),
        Risk("Supplier engineers not vetted in time",
             "Because NPPV2 vetting takes up to twelve weeks, supplier engineers may not get access to force "
             "systems when needed, delaying configuration.", "supplier", 3, 4, "reduce",
             "Vetting applications submitted at contract award; named engineers only; vetting unit prioritises."),
        Risk("DPIA not signed off before go-live",
             "If the data protection impact assessment is not approved by the Data Protection Officer, go-live "
             "cannot proceed and the force would breach UK GDPR if it did.", "legal", 2, 5, "avoid",
             "DPIA drafted at design; fortnightly review slot with the DPO; ICO guidance followed."),
        Risk("Network outage during cutover",
             "Because cutover relies on the HQ data centre link, an outage on the night could leave control "
             "room and custody staff without the system.", "technical", 2, 4, "contingency",
             "Cutover on a quiet midweek night; paper fallback briefed; supplier engineer on site."),
        Risk("IT health check finds critical vulnerabilities",
             "If the penetration test finds critical issues, the system cannot connect to the Police National "
             "Network until they are fixed, delaying go-live.", "information", 3, 3, "reduce",
             "Health check booked at Gate 2 with a fix window in the plan."),
        Risk("Integration with the records management system fails",
             "Because the records management system's interface is changing nationally, the integration may "
             "break, forcing double keying.", "technical", 3, 5, "reduce",
             "Interface tested against the supplier's test instance monthly; manual workaround documented."),
    ),
    "estates": (
        Risk("Asbestos found during strip-out",
             "Because the building predates 1999, hidden asbestos may be found during works, stopping the site "
             "and adding cost.", "operational", 4, 4, "contingency",
             "Intrusive survey of the remaining areas; 15% contingency held by the programme."),
        Risk("Construction cost inflation above the allowance",
             "If materials and labour costs rise faster than the 4% allowed, the tender may exceed the approved "
             "budget.", "financial", 3, 4, "reduce", "Fixed-price design and build contract; value engineering list."),
        Risk("Custody capacity falls during the decant",
             "While cells are out of use, weekend custody demand may exceed capacity, forcing detained persons "
             "to be taken to a neighbouring force.", "operational", 4, 5, "reduce",
             "Phased works; mutual aid agreement; weekend demand monitored by the custody inspector."),
        Risk("Planning conditions delay the start on site",
             "If the local planning authority adds conditions on noise or parking, the start on site slips.",
             "legal", 2, 3, "reduce", "Pre-application advice taken; neighbours briefed."),
        Risk("Grid connection capacity not available",
             "Because the site's supply is near its limit, the distribution network operator may require a "
             "costly upgrade before chargers can be connected.", "technical", 3, 3, "transfer",
             "Capacity study commissioned; load management built into the charger specification."),
    ),
    "fleet": (
        Risk("Staff associations object to driver monitoring",
             "If the Police Federation and UNISON are not consulted before fitting, they may object to driver "
             "monitoring, pausing the rollout.", "people", 3, 3, "avoid",
             "Usage policy agreed with staff associations; data used for fleet management only."),
        Risk("Vehicles off the road for fitting",
             "Because fitting takes a vehicle off the road for half a day, response availability may drop "
             "below the minimum at busy times.", "operational", 3, 2, "reduce",
             "Fit during routine servicing; no fitting on Friday and Saturday."),
        Risk("Equipment supply delayed",
             "Global chip shortages may delay units, holding up the fitting programme.", "supplier", 2, 3,
             "accept", "Framework supplier holds buffer stock; fitting order follows vehicle replacement."),
        Risk("CAA authorisation delayed",
             "If the Civil Aviation Authority's operational authorisation is delayed, the new aircraft cannot "
             "fly beyond visual line of sight.", "legal", 4, 3, "reduce",
             "Application pre-checked by the national police air service; pilots' logbooks up to date."),
    ),
    "service": (
        Risk("Partners cannot release staff",
             "If the NHS trust or council cannot fill their posts, the service runs with reduced hours and "
             "demand returns to police.", "strategic", 3, 4, "reduce",
             "Signed partnership agreement; monthly partnership board; named deputies."),
        Risk("Information sharing agreement not signed",
             "Without a signed information sharing agreement, staff cannot lawfully share records, delaying "
             "the start of the service.", "legal", 2, 4, "avoid",
             "Template agreement from the regional partnership; DPO reviews early."),
        Risk("Demand higher than modelled",
             "If referrals exceed the modelled 40 a month, the team cannot keep up and waiting times grow.",
             "operational", 3, 3, "contingency", "Weekly demand report; escalation route to the duty inspector."),
        Risk("Short-term grant funding ends",
             "Because the service is funded by a one-year grant, it may stop when the grant ends unless "
             "mainstream funding is agreed.", "financial", 4, 4, "reduce",
             "Evaluation evidence to the PCC's budget round; bid to the Home Office fund."),
    ),
}
COMMON_RISKS = (
    Risk("Training abstracts officers from shifts",
         "Because training needs officers off shift, response strength may drop below minimum, so training "
         "is cancelled and adoption suffers.", "people", 3, 3, "reduce",
         "Training on shift through champions; short videos; rota team plans abstractions."),
    Risk("Home Office funding not confirmed for next year",
         "If the Home Office grant is not confirmed in the settlement, the second phase cannot start.",
         "financial", 2, 4, "accept", "Phase two costed separately; Finance tracks the settlement."),
    Risk("Key project staff redeployed to operations",
         "Because project officers are warranted, a major incident may redeploy them, delaying the work.",
         "people", 2, 2, "accept", "Cover arranged within the PMO; handover notes kept current."),
    Risk("Scope creep from requests by other departments",
         "As the work becomes visible, other departments may ask for changes, growing scope and delay.",
         "strategic", 3, 2, "avoid", "Change control through the PMO; requests logged as issues."),
    Risk("Union consultation extends the timetable",
         "If the change alters working patterns, formal consultation with UNISON may add six weeks.",
         "people", 2, 3, "reduce", "Early informal briefing with union representatives."),
    Risk("Public confidence harmed by a data breach",
         "If personal data is mishandled during the change, the force may face an ICO reprimand and lose "
         "public confidence.", "reputational", 1, 5, "avoid", "Access controls; DPIA; staff briefing on handling."),
    Risk("Benefits not tracked after go-live",
         "Because the project team disbands at closure, benefits may go unmeasured.", "strategic", 2, 2,
         "reduce", "Business owner named; benefits reviews booked at 6 and 12 months."),
    Risk("Officers keep using their own spreadsheets",
         "Because local spreadsheets are familiar, teams may keep them alongside the new way of working, "
         "so records disagree and the benefit is lost.", "operational", 5, 3, "reduce",
         "Spreadsheets withdrawn at go-live; supervisors check use weekly."),
    Risk("Licence prices rise at renewal",
         "If the supplier raises prices at renewal, running costs exceed the budget line.", "financial", 5, 2,
         "accept", "Price cap negotiated for three years; Finance tracks renewals."),
    Risk("Local press interest in the change",
         "Coverage may misreport the change as a cut to local services.", "reputational", 4, 2, "reduce",
         "Corporate Communications lines agreed; briefing for local councillors."),
    Risk("Older printers not supported",
         "Some station printers may not work with the new system, so staff walk to another floor to print.",
         "technical", 5, 1, "accept", "Printer replacement on the normal refresh cycle."),
    Risk("Low-value contract overspend",
         "Small variations may add up beyond the contingency.", "financial", 1, 2, "accept",
         "Monthly cost report to the project board."),
)
ASSUMPTIONS = (
    Note("Officers can be released for three hours of training each",
         "Agreed in principle with the local policing commanders; to be confirmed against the winter rota."),
    Note("The Home Office grant continues at the current level",
         "Based on the spending review; confirmed only when the settlement letter arrives."),
    Note("Supplier engineers already hold NPPV2 clearance",
         "The supplier says its named engineers are cleared; the vetting unit must confirm each one."),
    Note("The existing network has capacity for the new traffic",
         "Digital Services estimate 20% headroom on the HQ link; to be validated by a load test."),
    Note("Partners keep their funding commitment for two years",
         "Letters of intent from the council and the NHS trust; not yet signed agreements."),
    Note("No change to PACE codes affects the design",
         "The Home Office consultation on the codes closes next quarter."),
)
ISSUES = (
    Note("Test environment unavailable for two weeks",
         "The supplier's test environment failed after an upgrade; testing has stopped.", "problem", "high"),
    Note("DPIA returned by the Data Protection Officer with questions",
         "The DPO asks how long records are kept and who can see them; answers needed before sign-off.",
         "problem", "medium"),
    Note("Network outage at the HQ data centre",
         "A fault on the HQ link stopped the migration rehearsal; the rehearsal must be rebooked.",
         "problem", "high"),
    Note("Request to add Welsh-language screens",
         "Contact Management asks for Welsh-language versions of the public screens.", "change_request", "low"),
    Note("UNISON requests formal consultation",
         "The branch secretary asks for formal consultation on the new shift arrangements.", "problem", "medium"),
    Note("Delivered devices lack the agreed encryption setting",
         "The first batch arrived without full-disk encryption enabled, against the specification.",
         "off_specification", "critical"),
    Note("Training room double-booked for the first cohort",
         "Learning and Development booked another course in the training suite.", "problem", "low"),
)
HOME_OFFICE_FUNDING = Note("Home Office approval of the funding bid",
                           "The bid needs Home Office approval before spend.", party="Home Office")
EXTERNAL_DEPENDENCIES = {
    "digital": (HOME_OFFICE_FUNDING,
                Note("National interface to the Law Enforcement Data Service", "The national programme must "
                     "release the interface version the supplier builds against.",
                     party="Home Office Law Enforcement Data Service"),
                Note("National security accreditation", "The national policing security assurance team must "
                     "accept the design.", party="Police Digital Service"),
                Note("Fibre circuit to the data centre", "The circuit order must be installed before go-live.",
                     party="BT Openreach")),
    "estates": (Note("Grid capacity upgrade", "The distribution network operator must upgrade the supply.",
                     party="Northern Powergrid"),
                Note("Building control sign-off", "The council's building control must sign off each phase.",
                     party="Northshire County Council")),
    "fleet": (HOME_OFFICE_FUNDING,
              Note("Operational authorisation to fly", "The aviation regulator must authorise the operations "
                   "manual.", party="Civil Aviation Authority")),
    "service": (HOME_OFFICE_FUNDING,
                Note("Mental health nurses from the NHS trust", "The trust must recruit and roster the nurse posts.",
                     party="Northshire NHS Mental Health Trust"),
                Note("Council youth workers seconded", "The council must second two youth workers.",
                     party="Northshire County Council")),
}
# Escalations: (initiative title, kind, board, title, description, note, likelihood, impact or priority)
ESCALATIONS = (
    ("Custody suite refurbishment (capital)", "risk", CHIEF_OFFICER_GROUP,
     "Weekend custody capacity during the cell block B decant",
     "While cell block B is closed, weekend demand may exceed the cells left, so detained persons would be "
     "taken to the neighbouring force, tying up response officers.",
     "The Chief Officer Group is asked to approve mutual aid with the neighbouring force's custody suite for "
     "four weekends and to accept the cost of prisoner transport.", (4, 5)),
    ("Digital evidence management system", "issue", CORPORATE_DELIVERY_BOARD,
     "Legacy disc exhibits migrating too slowly",
     "At the current rate, legacy CD and DVD exhibits will not be migrated before the old store's lease ends.",
     "Decision needed: fund a second scanning team (£38,000) or accept go-live three months later.", "high"),
    ("Rota and duty management replacement", "risk", CORPORATE_DELIVERY_BOARD,
     "Payroll integration fails the parallel run",
     "Because the payroll interface is late, parallel running may show pay errors, delaying cutover and "
     "risking incorrect overtime payments.",
     "The Board is asked to agree six more weeks of parallel running and release £40,000 of contingency.",
     (3, 5)),
    ("Crime data integrity audit tool", "issue", CHIEF_OFFICER_GROUP,
     "Supplier in administration",
     "The supplier went into administration; the source code is held in escrow.",
     "Decision needed: take the code from escrow and finish the tool in-house, or re-procure.", "critical"),
)
# Dependencies between seeded initiatives: (waiting, provider, title, description)
INITIATIVE_DEPENDENCIES = (
    ("Stop and search transparency dashboard", "Digital evidence management system",
     "Body-worn video of stop and search linked from the dashboard",
     "The dashboard links each stop and search record to its footage held in the evidence system."),
    ("Vetting case management system", "Rota and duty management replacement",
     "Staff and posts feed from the new duty management system",
     "Vetting renewals are driven by the posts staff hold, read from the new system."),
    ("Fleet telematics", "ANPR camera network expansion",
     "In-car ANPR units fitted with the telematics boxes",
     "Fitting both in one visit saves a second half-day off the road for every vehicle."),
    ("Electric vehicle charging at police stations (capital)", "Fleet telematics",
     "Mileage and dwell-time data to site the chargers",
     "Charger locations are chosen from where vehicles actually park and for how long."),
    ("Domestic abuse risk assessment digitisation", "Mobile data for response officers",
     "Mobile devices able to run the DASH form", "Officers complete the risk assessment on their devices."),
    ("Youth diversion scheme with local authorities", "Integrated offender management case system",
     "Referral records in the offender management system",
     "Diversion referrals and outcomes are recorded in the shared case system."),
)
EXTRA_LESSONS = (
    dict(title="Start vetting of supplier staff at contract award", category="Commercial", stage="delivery",
         lesson_type="corporate", priority="high",
         event="Supplier engineers waited nine weeks for NPPV2 clearance.",
         effect="Configuration started late and the supplier charged for idle time.",
         cause="Vetting applications were sent only when engineers were needed on site.",
         early_warning="The vetting unit's published waiting time was eight weeks.",
         recommendation="Submit vetting for named supplier staff the day the contract is signed.",
         dependencies="Force Vetting Unit; supplier account manager"),
    dict(title="Book the Data Protection Officer's review early", category="Information management",
         stage="business_case", lesson_type="corporate", priority="high",
         event="The DPIA reached the Data Protection Officer two weeks before go-live.",
         effect="Go-live waited for answers on retention and access.",
         cause="The DPIA was treated as a go-live task rather than a design input.",
         early_warning="The DPIA template was still blank at the design review.",
         recommendation="Draft the DPIA at business case and review it with the DPO at each gate.",
         dependencies="Data Protection Officer; Information Management"),
    dict(title="Brief union representatives before the consultation starts", category="Stakeholders",
         stage="delivery", lesson_type="both", priority="medium",
         event="UNISON asked for formal consultation after hearing of the change informally.",
         effect="Six weeks added to the timetable.",
         cause="Staff associations were not told early enough.",
         early_warning="Questions from staff on the intranet forum.",
         recommendation="Meet the Police Federation and UNISON at mobilisation and agree a timetable.",
         dependencies="UNISON; Police Federation; People Services"),
    dict(title="Plan training around shift patterns", category="Training", stage="delivery",
         lesson_type="project", priority="medium",
         event="Half of the classroom sessions were cancelled for operational demand.",
         effect="Adoption in the first month was low.",
         cause="Sessions were booked in office hours only.",
         early_warning="Response sergeants warned about minimum staffing.",
         recommendation="Use shift champions and short on-shift sessions; agree abstraction with the rota team.",
         dependencies="Resource management unit; Learning and Development"),
    dict(title="Test the network before go-live, not on the night", category="Technology", stage="delivery",
         lesson_type="corporate", priority="high",
         event="An outage on the HQ link stopped the migration rehearsal.",
         effect="The rehearsal was rebooked and go-live moved by a week.",
         cause="Network resilience was assumed rather than tested.",
         early_warning="Two short outages in the month before.",
         recommendation="Load-test and failover-test the network in the month before cutover.",
         dependencies="Digital Services network team; BT"),
    dict(title="Confirm grant conditions before committing spend", category="Finance", stage="business_case",
         lesson_type="corporate", priority="medium",
         event="The Home Office grant letter excluded recurring licence costs.",
         effect="Revenue budget had to be found in year.",
         cause="The business case assumed the grant covered all costs.",
         early_warning="The grant guidance was vague on recurring costs.",
         recommendation="Check grant conditions with Finance before Gate 2 and cost the gap.",
         dependencies="Finance; Home Office grant team"),
    dict(title="Measure the baseline before the change starts", category="Benefits", stage="benefits_review",
         lesson_type="corporate", priority="medium",
         event="There was no reliable before figure for officer hours spent on the task.",
         effect="The benefit could only be estimated, and the Board questioned it.",
         cause="Baselines were not measured at mobilisation.",
         early_warning="The business case gave targets without baselines.",
         recommendation="Measure each benefit's baseline at Gate 2 and store the evidence.",
         dependencies="Performance and Analysis team; business owner"),
)


# ------------------------------------------------------------------------------ seeding


def seed(cast: Cast, today: datetime) -> None:
    """Add the registers to the initiatives `cast` walked; nothing if any RAID item exists."""
    if db.session.scalar(select(RaidItem.id).limit(1)) is not None:
        return
    from .demo import INITIATIVES, PROJECT_MANAGERS  # demo imports this module; both are defined by now

    rng = random.Random(4)
    kinds = {demo.title: demo.kind for demo in INITIATIVES}
    logged = {title: initiative for title, initiative in cast.walked.items() if initiative.state in LOGGED_STATES}
    staff = [cast.people[email] for email in PROJECT_MANAGERS]
    day = today.date()
    for title in sorted(logged, key=lambda t: logged[t].id):
        initiative = logged[title]
        _at(cast, initiative, rng, today)
        owners = [person for person in (initiative.manager, *staff) if person is not None]
        _log(initiative, kinds[title], owners, rng, day, cast)
        db.session.flush()  # its audit rows take the time the log was written
    cast.clock.start(today - timedelta(days=rng.uniform(1, 5)))
    _escalate(logged, rng, day, cast)
    _link_dependencies(logged, rng, day, cast)
    _add_lessons(logged, rng, day, cast)
    _value_benefits(logged)
    db.session.flush()


def _at(cast: Cast, initiative: Initiative, rng: random.Random, today: datetime) -> None:
    """Put the demo clock where this initiative's log was written: after it reached business case."""
    age = (today - initiative.created_at).total_seconds() / 86400 if initiative.created_at else 60
    cast.clock.start(today - timedelta(days=max(1.0, age * rng.uniform(0.05, 0.4))))


def _item(initiative: Initiative, kind: str, owner, cast: Cast, **fields) -> RaidItem:
    item = RaidItem(initiative_id=initiative.id, kind=kind, owner_id=owner.id, created_by_id=owner.id,
                    created_at=cast.clock.now, **fields)
    db.session.add(item)
    return item


def _log(initiative: Initiative, kind: str, owners: list, rng: random.Random, day: date, cast: Cast) -> None:
    """Three to eight items for one initiative, open or closed as its state says."""
    finished = initiative.state in FINISHED_STATES
    risks = rng.sample(RISKS_BY_KIND[kind], rng.randint(1, 3)) + rng.sample(COMMON_RISKS, rng.randint(1, 2))
    assumptions = rng.sample(ASSUMPTIONS, rng.randint(0, 1) if len(risks) > 2 else 1)
    issues = rng.sample(ISSUES, rng.randint(0, 2) if len(risks) < 5 else 1)
    externals = rng.sample(EXTERNAL_DEPENDENCIES[kind], rng.randint(0, 1))
    for risk in risks:
        still_open = not finished and rng.random() < 0.85
        # Reviews fall due over the coming weeks; a few have already been missed.
        review = day + timedelta(days=rng.randint(-21, 50) if still_open else -rng.randint(30, 200))
        _item(initiative, "risk", rng.choice(owners), cast, title=risk.title, description=risk.description,
              category=risk.category, likelihood=risk.likelihood, impact=risk.impact, response=risk.response,
              mitigation=risk.mitigation, status="open" if still_open else "closed", review_date=review,
              proximity_date=day + timedelta(days=rng.randint(30, 240)) if still_open else None)
    for note in assumptions:
        _item(initiative, "assumption", rng.choice(owners), cast, title=note.title, description=note.description,
              status="valid" if finished else rng.choice(("unvalidated", "unvalidated", "valid")),
              due_date=day + timedelta(days=rng.randint(-10, 90)))
    for note in issues:
        still_open = not finished and rng.random() < 0.7
        _item(initiative, "issue", rng.choice(owners), cast, title=note.title, description=note.description,
              issue_type=note.issue_type, priority=note.priority,
              status="open" if still_open else "resolved",
              resolution="" if still_open else "Resolved by the project team; no lasting effect on the plan.",
              due_date=day + timedelta(days=rng.randint(-7, 30) if still_open else -rng.randint(20, 120)))
    for note in externals:
        _item(initiative, "dependency", rng.choice(owners), cast, title=note.title, description=note.description,
              external_party=note.party, direction="we_need", status="met" if finished else "open",
              due_date=day + timedelta(days=rng.randint(-5, 120)))


def _escalate(logged: dict, rng: random.Random, day: date, cast: Cast) -> None:
    """The items the projects have put to the boards, each with what the board is asked to do."""
    for title, kind, board, item_title, description, note, level in ESCALATIONS:
        initiative = logged.get(title)
        if initiative is None:
            continue
        owner = initiative.manager or cast.people["pmo@demo.local"]
        fields = dict(title=item_title, description=description, status="open", escalated=True,
                      escalated_to=board, escalation_note=note,
                      escalated_at=cast.clock.latest - timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 8)))
        if kind == "risk":
            fields.update(likelihood=level[0], impact=level[1], category="operational", response="reduce",
                          mitigation="Options paper to the board; interim measures in place.",
                          review_date=day + timedelta(days=rng.randint(3, 14)))
        else:
            fields.update(issue_type="problem", priority=level, due_date=day + timedelta(days=rng.randint(5, 21)))
        _item(initiative, kind, owner, cast, **fields)


def _link_dependencies(logged: dict, rng: random.Random, day: date, cast: Cast) -> None:
    """Initiatives that wait on each other; needed-by dates fall before a late provider's forecast."""
    for waiting_title, provider_title, title, description in INITIATIVE_DEPENDENCIES:
        waiting, provider = logged.get(waiting_title), logged.get(provider_title)
        if waiting is None or provider is None:
            continue
        needed_by = provider.forecast_end - timedelta(days=rng.randint(10, 30)) \
            if provider.forecast_end and provider.forecast_end > day else day + timedelta(days=rng.randint(30, 90))
        _item(waiting, "dependency", waiting.manager or cast.people["pmo@demo.local"], cast, title=title,
              description=description, depends_on_id=provider.id, direction="we_need",
              status="met" if waiting.state in FINISHED_STATES else "open", due_date=needed_by)


def _add_lessons(logged: dict, rng: random.Random, day: date, cast: Cast) -> None:
    """Two to four lessons for every initiative at benefits review or closed."""
    finished = [initiative for initiative in logged.values() if initiative.state in FINISHED_STATES]
    counts = dict(db.session.execute(
        select(Lesson.initiative_id, func.count(Lesson.id))
        .where(Lesson.initiative_id.in_([initiative.id for initiative in finished]))
        .group_by(Lesson.initiative_id)).all())
    given = 0
    for initiative in sorted(finished, key=lambda i: i.id):
        have = counts.get(initiative.id, 0)
        author = initiative.manager or cast.people["pmo@demo.local"]
        for _ in range(max(0, rng.randint(2, 4) - have)):
            lesson = EXTRA_LESSONS[given % len(EXTRA_LESSONS)]
            given += 1
            db.session.add(Lesson(initiative_id=initiative.id, owner=author.name, logged_by_id=author.id,
                                  date_added=day - timedelta(days=rng.randint(5, 60)), **lesson))


HOURS = re.compile(r"([\d,]+)\s*hours")


def _value_benefits(logged: dict) -> None:
    """Officer and staff hours released, valued in pounds: planned from the target, realised from the actual."""
    ids = [initiative.id for initiative in logged.values()]
    for benefit in db.session.scalars(select(Benefit).where(Benefit.initiative_id.in_(ids),
                                                            Benefit.category == "non_cash_releasing",
                                                            Benefit.planned_value.is_(None))):
        planned = HOURS.search(benefit.target_value or "")
        if planned:
            benefit.planned_value = int(planned.group(1).replace(",", "")) * HOURLY_VALUE
        actual = HOURS.search(benefit.actual_value or "")
        if actual:
            benefit.realised_value = int(actual.group(1).replace(",", "")) * HOURLY_VALUE
