"""Demo data for `flask --app pmo_web seed-demo`: a county police force's change portfolio.

Every initiative reaches its state through the real workflow (pmo_web.workflow.fire for
the hand triggers, the gate service for gate reviews and decisions), so the audit trail,
the gate history and the benefits register are the ones the app itself would have
written. Only the clock is staged: while seeding, every timestamp the app stamps as "now"
is moved onto a demo clock that walks each initiative through a plausible past of up to
18 months, so ages on the kanban, time in stage and cycle times look real.

The data is the same on every run (one seeded random generator); the dates move with today.
"""
from __future__ import annotations

import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, select
from werkzeug.security import generate_password_hash

from workflows.gate import APPROVING_DECISIONS, Condition
from workflows.lifecycle import IN_DELIVERY_STATES

from . import demo_governance, demo_registers, demo_reports, demo_resources, workflow
from .benefits.register import financial_year
from .cli import DEMO_PASSWORD
from .extensions import db
from .gates import conditions as gate_conditions
from .gates import service as gates
from .models import (
    AuditEvent,
    Benefit,
    BusinessCase,
    CaseBenefit,
    CaseCost,
    CaseOption,
    CaseRisk,
    Department,
    GateDecision,
    GateReview,
    GateSetting,
    Initiative,
    Lesson,
    Milestone,
    Programme,
    Score,
    ScoreAlignment,
    Setting,
    StrategicPriority,
    User,
)
from .models.base import utcnow
from .scoring import matrix

# --------------------------------------------------------------------------- the force

DEPARTMENTS = (
    "Contact Management",
    "Response Policing",
    "Neighbourhood Policing",
    "Crime and Public Protection",
    "Criminal Justice and Custody",
    "Digital Services (IT)",
    "Estates and Facilities",
    "People Services (HR)",
    "Finance",
    "Professional Standards",
    "Change and Performance",
)

# docs/rules.md 3: the default strategic priorities, in order. Keys are used in the tables below;
# a score's alignments are listed in this order.
PRIORITIES = (
    ("service", "Enhancing service and standards"),
    ("wellbeing", "Empowering individuals and supporting wellbeing"),
    ("technology", "Leveraging technology"),
    ("partnership", "Reducing demand through partnership working"),
)

PROGRAMMES = {
    "capital": ("Estates and Fleet Capital Programme 2025-2030",
                "Five-year capital investment in custody, stations, fleet and charging "
                "infrastructure, funded from the capital budget and the sale of surplus buildings.",
                2025, 2030),
    "prevention": ("Prevention and Early Intervention Programme",
                   "Change with health, councils and the voluntary sector to reduce repeat demand: "
                   "mental health, domestic abuse, youth diversion and offender management.",
                   2025, 2027),
    "peel": ("HMICFRS PEEL Inspection Readiness",
             "Work on the areas for improvement from the last PEEL inspection (victim service, "
             "crime data integrity, vetting and legitimacy) ahead of the next inspection.",
             2025, 2026),
}

# (gate, quorum, quorum when capital-funded): capital investment decisions need two approvers.
GATE_SETTINGS = (("G1", 1, None), ("G2", 1, 2), ("G3", 1, None), ("G4", 1, None))
GATE_CODES = tuple(code for code, _quorum, _capital in GATE_SETTINGS)

# The five published demo logins first (one per role), then the rest of the cast.
# (email, name, rank or staff-grade equivalent, department, roles)
PEOPLE = (
    # a contact centre sergeant; the programme manager; the Head of Change; a response inspector;
    # the system owner
    ("requester@demo.local", "Priya Shah", "sergeant", "Contact Management", ("requester",)),
    ("pmo@demo.local", "Daniel Okafor", "chief_inspector", "Change and Performance", ("pmo",)),
    ("approver@demo.local", "Helen Marsh", "superintendent", "Change and Performance", ("approver",)),
    ("viewer@demo.local", "Tom Baxter", "inspector", "Response Policing", ("viewer",)),
    ("admin@demo.local", "Gareth Lloyd", "chief_inspector", "Digital Services (IT)", ("admin",)),
    # the Director of Finance, so capital investment decisions can meet a quorum of two, and the
    # Assistant Chief Constable who chairs the Corporate Delivery Board
    ("rachel.adeyemi@demo.local", "Rachel Adeyemi", "chief_superintendent", "Finance", ("approver",)),
    ("mark.thornton@demo.local", "Mark Thornton", "chief_officer", "Change and Performance", ("approver",)),
    # project managers and a business analyst
    ("sarah.whitfield@demo.local", "Sarah Whitfield", "inspector", "Change and Performance", ("pmo",)),
    ("james.kowalski@demo.local", "James Kowalski", "inspector", "Change and Performance", ("pmo",)),
    ("aisha.rahman@demo.local", "Aisha Rahman", "inspector", "Change and Performance", ("pmo",)),
    ("lee.hughes@demo.local", "Lee Hughes", "sergeant", "Change and Performance", ("pmo",)),
    # requesters in the business, one per department
    ("claire.donnelly@demo.local", "Claire Donnelly", "inspector", "Response Policing", ("requester",)),
    ("kwame.mensah@demo.local", "Kwame Mensah", "sergeant", "Neighbourhood Policing", ("requester",)),
    ("ravi.patel@demo.local", "Ravi Patel", "inspector", "Crime and Public Protection", ("requester",)),
    ("sian.morgan@demo.local", "Siân Morgan", "chief_inspector", "Criminal Justice and Custody", ("requester",)),
    ("david.fraser@demo.local", "David Fraser", "inspector", "Digital Services (IT)", ("requester",)),
    ("peter.walsh@demo.local", "Peter Walsh", "inspector", "Estates and Facilities", ("requester",)),
    ("nicola.grant@demo.local", "Nicola Grant", "inspector", "People Services (HR)", ("requester",)),
    ("joanne.reilly@demo.local", "Joanne Reilly", "sergeant", "Finance", ("requester",)),
    ("emma.clarke@demo.local", "Emma Clarke", "inspector", "Professional Standards", ("requester",)),
)
DEMO_LOGINS = tuple(person[0] for person in PEOPLE[:5])
PMO_LEAD = "pmo@demo.local"
HEAD_OF_CHANGE = "approver@demo.local"
FINANCE_DIRECTOR = "rachel.adeyemi@demo.local"
BOARD_CHAIR = "mark.thornton@demo.local"
PROJECT_MANAGERS = ("pmo@demo.local", "sarah.whitfield@demo.local", "james.kowalski@demo.local",
                    "aisha.rahman@demo.local", "lee.hughes@demo.local")
# Each department's requests come from its one requester in PEOPLE.
OWNER_OF = {dept: email for email, _name, _rank, dept, roles in PEOPLE if roles == ("requester",)}

# Senior responsible owners named on requests; they also own the benefits in the business.
SPONSORS = {
    "Contact Management": "Ch Supt Laura Bennett, Head of Contact Management",
    "Response Policing": "Ch Supt Andrew Collins, Head of Local Policing",
    "Neighbourhood Policing": "Supt Fiona Hale, Neighbourhood Policing Lead",
    "Crime and Public Protection": "Det Ch Supt Martin Shaw, Head of Crime",
    "Criminal Justice and Custody": "Ch Supt Karen Doyle, Head of Criminal Justice",
    "Digital Services (IT)": "Neil Parsons, Chief Digital Officer",
    "Estates and Facilities": "Angela Ward, Head of Estates and Fleet",
    "People Services (HR)": "Mike Dunn, Director of People",
    "Finance": "Simon Blake, Head of Procurement",
    "Professional Standards": "Supt Owen Price, Head of Professional Standards",
}

# ----------------------------------------------------------------------- the portfolio


@dataclass(frozen=True, kw_only=True)
class DemoInitiative:
    """One request and the path it takes: `route` (ROUTES) says how far it travels,
    `then` adds a way out (reject, withdraw, cancel, merge), `detours` add side trips
    (info: a question from triage; pause: on hold and resumed; rescore: scored twice)."""

    title: str
    department: str
    route: str
    kind: str  # digital | estates | fleet | service: shapes costs, milestones, risks, lessons
    cost_band: str
    priority: str  # a PRIORITIES key
    description: str
    problem: str
    outcome: str
    deadline: str = ""
    funding: str = "revenue"
    programme: str | None = None  # a PROGRAMMES key
    then: tuple[str, ...] = ()
    detours: tuple[str, ...] = ()
    # urgency, complexity, desirability, then alignment to each priority in PRIORITIES order
    score: tuple[int, int, int, tuple[int, int, int, int]] | None = None
    override: tuple[str, str] | None = None  # band, comment
    hours: int = 0  # officer and staff hours released a year
    saving: int = 0  # cash-releasing saving, GBP a year
    quality: tuple[str, str, str, str] | None = None  # benefit, measure, baseline, target
    gates: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # code -> each review's decisions
    reasons: dict[str, str] = field(default_factory=dict)  # trigger -> reason, question or answer
    confidence: tuple[str, str] | None = None  # delivery confidence, justification
    overrun: float = 0.0  # fraction over the approved budget
    slip: int = 0  # days late against the baseline plan
    variance: bool = False  # the last milestone stays open with a variance accepted at Gate 3
    satisfaction: tuple[int, str] | None = None
    lesson: dict[str, str] | None = None  # what this initiative taught, logged at benefits review
    merge_into: str | None = None  # the surviving initiative's title


INITIATIVES = (
    # ---- closed
    DemoInitiative(
        title="Victim updates by SMS", department="Contact Management", route="closed",
        kind="digital", cost_band="10k_100k", priority="service", programme="peel",
        description="Send automatic text messages to victims at key points in their case: crime "
                    "number issued, officer assigned, suspect charged, case filed.",
        problem="Victims tell us they hear nothing after reporting. Call handlers spend hours on "
                "status calls and we are not meeting the Victims' Code duty to update within set times.",
        outcome="Every victim who agrees gets timely updates without needing to call 101.",
        deadline="The PEEL inspection will test compliance with the Victims' Code.",
        score=(4, 2, 5, (5, 1, 4, 2)), hours=2600,
        quality=("Victims' Code updates on time", "% of required updates sent within timescale", "61%", "95%"),
        gates={"G2": [("approve_with_conditions",)]},
        satisfaction=(5, "Victim satisfaction with updates rose in the quarterly survey and call "
                         "handlers have noticed the drop in chase calls."),
        lesson=dict(title="Agree message wording with victims' groups before the build",
                    category="Stakeholders", stage="delivery", lesson_type="project", priority="medium",
                    event="The Victims' Commissioner's office found the first text templates impersonal.",
                    effect="Go-live moved by three weeks while the wording was rewritten.",
                    cause="The project team wrote the templates without victims' input.",
                    early_warning="Victim Support volunteers questioned the draft wording at the demo.",
                    recommendation="Design any message to the public with the people who will receive it.",
                    dependencies="Victim Support; the Victims' Commissioner's office"),
    ),
    DemoInitiative(
        title="Contact centre callback service", department="Contact Management", route="closed",
        kind="digital", cost_band="10k_100k", priority="service", programme="peel",
        description="Offer 101 callers a callback at busy times instead of waiting in the queue, "
                    "keeping their place.",
        problem="At peak times 101 callers wait over 20 minutes and a quarter hang up. Many then "
                "call 999 or make a complaint.",
        outcome="Fewer abandoned 101 calls and less inappropriate 999 demand.",
        deadline="Abandoned call rates are reported to the Police and Crime Commissioner every quarter.",
        detours=("info",), score=(4, 2, 4, (5, 2, 4, 1)), hours=1500,
        quality=("Abandoned 101 calls", "% of 101 calls abandoned", "24%", "Below 10%"),
        gates={"G1": [("approve_with_conditions",)]},
        reasons={"request_info": "Please give the current abandoned-call rate by hour so we can size the peak.",
                 "resubmit": "Telephony report attached: 24% abandoned between 4pm and 8pm, 9% at other times."},
        satisfaction=(4, "Works well; the callback window needs tuning on Friday evenings."),
        lesson=dict(title="Model contact demand by the hour, not by the day", category="Data",
                    stage="business_case", lesson_type="corporate", priority="medium",
                    event="Callback capacity was sized on daily average call volumes.",
                    effect="Friday evening callbacks missed their promised window in the first month.",
                    cause="The demand model used daily rather than hourly figures.",
                    early_warning="Queue reports showed sharp peaks after 5pm.",
                    recommendation="Use hourly demand profiles for any change to the contact centre.",
                    dependencies="Contact centre telephony reporting"),
    ),
    DemoInitiative(
        title="Online reporting of shop theft for retailers", department="Neighbourhood Policing",
        route="closed", kind="digital", cost_band="10k_100k", priority="partnership",
        description="A secure online form for retailers to report shop theft with CCTV stills and a "
                    "statement, linked to the crime recording system.",
        problem="Retailers wait on 101 to report low-value theft and many no longer report at all, "
                "so we cannot see repeat offenders or hotspots.",
        outcome="More shop theft reported with evidence attached, and fewer 101 calls.",
        deadline="A commitment in the Police and Crime Plan's retail crime action plan.",
        score=(3, 2, 4, (3, 1, 4, 5)), hours=1800, overrun=0.08,
        quality=("Shop theft reports with evidence", "% of online reports with CCTV stills", "0%", "60%"),
        confidence=("amber_green", "Delivered; 8% over the approved budget because of extra "
                                   "integration work with the crime recording system."),
        satisfaction=(4, "Retail partners are positive; two large chains now report only online."),
        lesson=dict(title="Cost the receiving system's side of every integration", category="Commercial",
                    stage="delivery", lesson_type="corporate", priority="high",
                    event="Linking the form to the crime recording system needed paid supplier changes.",
                    effect="The project finished 8% over its approved budget.",
                    cause="The business case costed the form but not the receiving system's interface.",
                    early_warning="The crime recording supplier raised a change request in week two.",
                    recommendation="Get a quote from the owner of every connected system before Gate 2.",
                    dependencies="Crime recording system supplier"),
    ),
    DemoInitiative(
        title="Occupational health referral portal", department="People Services (HR)", route="closed",
        kind="digital", cost_band="10k_100k", priority="wellbeing",
        description="Managers refer officers and staff to occupational health online, with consent "
                    "captured and progress visible.",
        problem="Referrals go by email with paper consent forms; the average wait from referral to "
                "first appointment is 26 days and files are lost.",
        outcome="First appointment within 10 days of referral, with no paper.",
        deadline="Wellbeing commitments in the People Strategy 2025-2028.",
        score=(3, 1, 4, (2, 5, 3, 1)), hours=600, saving=18000,
        gates={"G3": [("approve_with_conditions",)]},
        satisfaction=(3, "Referrals are faster, but managers found the form long; a simpler form "
                         "is in the lessons log."),
        lesson=dict(title="Keep online forms short", category="User experience", stage="benefits_review",
                    lesson_type="project", priority="medium",
                    event="Managers abandoned a third of referrals part-way through the form.",
                    effect="Take-up was slower than planned in the first quarter.",
                    cause="Every optional question from the old paper form was carried over.",
                    early_warning="Analytics showed most people leaving on page three.",
                    recommendation="Test forms with real users and drop anything the decision does not use.",
                    dependencies="Occupational health provider"),
    ),
    # ---- benefits review
    DemoInitiative(
        title="Mobile fingerprint scanners for response officers", department="Response Policing",
        route="closed", kind="digital", cost_band="100k_500k", priority="technology", funding="capital",
        description="Handheld scanners linked to the national biometric service so officers can "
                    "confirm identity at the roadside.",
        problem="Officers arrest people or take them to a station just to confirm who they are, "
                "taking a patrol off the street for two hours each time.",
        outcome="Identity confirmed in minutes on the street; fewer needless arrests and custody journeys.",
        deadline="Support for the current devices ends in December.",
        score=(4, 3, 5, (4, 3, 5, 1)), hours=5200,
        quality=("Identity confirmed at the roadside", "% of scans that avoid an arrest", "0%", "70%"),
        gates={"G4": [()]},
        satisfaction=(4, "Officers value the scanners; coverage is patchy where mobile signal is weak."),
        lesson=dict(title="Check mobile coverage wherever connected devices will be used",
                    category="Technology", stage="delivery", lesson_type="corporate", priority="high",
                    event="Scans failed in rural areas with weak mobile signal.",
                    effect="Officers in two rural sectors stopped carrying the scanners.",
                    cause="Coverage was tested only in the towns.",
                    early_warning="Early complaints from rural response teams.",
                    recommendation="Survey coverage across every beat before rolling out connected devices.",
                    dependencies="Mobile network provider; national biometric service"),
    ),
    DemoInitiative(
        title="Body-worn video redaction tool", department="Criminal Justice and Custody",
        route="benefits_review", kind="digital", cost_band="100k_500k", priority="technology",
        description="Software that blurs faces, number plates and personal data in body-worn video "
                    "before disclosure to the CPS and the defence.",
        problem="Redaction is done frame by frame by disclosure officers or sent to an outside "
                "company, and files miss court deadlines.",
        outcome="Redacted footage ready within two days; the outside contract ended.",
        deadline="The outside redaction contract ends in March.",
        score=(5, 3, 4, (4, 2, 5, 1)), hours=4100, saving=45000, variance=True,
        lesson=dict(title="Keep the old service until the new tool copes with the hardest cases",
                    category="Commercial", stage="delivery", lesson_type="project", priority="medium",
                    event="Face detection struggled with night-time footage, so the outside redaction "
                          "contract was extended by two months.",
                    effect="Cash savings started two months later than planned.",
                    cause="The tool was tested only on daytime footage.",
                    early_warning="Disclosure officers reported missed faces during the pilot.",
                    recommendation="Test with the hardest real cases before ending the service being replaced.",
                    dependencies="Outside redaction company; CPS disclosure team"),
    ),
    DemoInitiative(
        title="Wellbeing app for officers and staff", department="People Services (HR)",
        route="benefits_review", kind="digital", cost_band="10k_100k", priority="wellbeing",
        description="A mobile app giving officers and staff confidential access to trauma support, "
                    "peer supporters, financial wellbeing and the employee assistance programme.",
        problem="Staff do not know what support exists or how to reach it; trauma referrals often "
                "come only after sickness absence has begun.",
        outcome="Earlier self-referral and less stress-related absence.",
        deadline="Police Covenant commitments and the national wellbeing standards.",
        score=(3, 2, 4, (2, 5, 3, 2)), hours=900,
        quality=("Staff using wellbeing support", "Monthly active users", "About 150", "1,200"),
        gates={"G3": [("approve_with_conditions",)]},
        lesson=dict(title="Promote support through supervisors, not only the intranet",
                    category="Communications", stage="benefits_review", lesson_type="both",
                    priority="medium",
                    event="Downloads stalled after the launch week.",
                    effect="Monthly active users reached half the target by month three.",
                    cause="The launch relied on intranet news that frontline staff rarely read.",
                    early_warning="Downloads came mostly from headquarters staff.",
                    recommendation="Brief sergeants and line managers to mention the app at every briefing.",
                    dependencies="Corporate Communications; supervisors across the force"),
    ),
    # ---- delivery
    DemoInitiative(
        title="Custody suite refurbishment (capital)", department="Criminal Justice and Custody",
        route="delivery", kind="estates", cost_band="over_1m", priority="service", funding="capital",
        programme="capital",
        description="Refurbish the 24-cell central custody suite: anti-ligature fittings, CCTV in "
                    "every cell, a new medical room and better detainee flow.",
        problem="The suite fails current safety guidance: ligature points, CCTV blind spots and a "
                "cramped booking-in area. Damaged cells are taken out of use, sending detainees to "
                "other suites.",
        outcome="A safe, compliant custody suite with all 24 cells in use.",
        deadline="Ligature risk is an immediate safety issue raised by the custody inspection.",
        score=(5, 5, 5, (5, 3, 1, 1)), hours=2000,
        quality=("Cells meeting custody design guidance", "% of cells compliant", "58%", "100%"),
        gates={"G2": [("approve_with_conditions", "approve")]}, overrun=0.14, slip=45,
        confidence=("amber_red", "Asbestos found in cell block B added eight weeks and a contractor "
                                 "claim; the forecast is 14% over the approved budget. A recovery "
                                 "plan goes to the Corporate Delivery Board this month."),
    ),
    DemoInitiative(
        title="Digital evidence management system", department="Digital Services (IT)",
        route="delivery", kind="digital", cost_band="500k_1m", priority="technology", funding="capital",
        description="One cloud store for digital evidence (CCTV, body-worn video, phone downloads, "
                    "999 audio) shared securely with the CPS.",
        problem="Digital evidence travels on discs and memory sticks by courier; exhibits are lost "
                "and court cases wait for media.",
        outcome="All digital evidence held, shared and disclosed from one audited system.",
        deadline="The national digital evidence sharing standard and the CPS move to digital-only files.",
        score=(4, 5, 5, (4, 2, 5, 2)), hours=9000, saving=60000, slip=30,
        confidence=("amber", "Migration of legacy CD and DVD exhibits is slower than planned; go-live "
                             "in the west area has moved by a month. Spend is on budget."),
    ),
    DemoInitiative(
        title="Mobile data for response officers", department="Response Policing",
        route="benefits_review", kind="digital", cost_band="500k_1m", priority="technology",
        funding="capital",
        description="Replace ageing handheld devices with smartphones running apps for crime "
                    "recording, PNC checks, statements and tasking.",
        problem="Response officers return to the station to write up crimes and statements, losing "
                "up to an hour a shift.",
        outcome="Officers complete paperwork where they are and stay visible in their communities.",
        deadline="The current handsets leave the supplier's support in June.",
        score=(4, 4, 5, (3, 4, 5, 1)), hours=12000,
        gates={"G3": [()]},
        confidence=("green", "Every milestone met; officers use the app on every shift. Gate 3 requested."),
    ),
    DemoInitiative(
        title="Mental health triage car", department="Neighbourhood Policing", route="delivery",
        kind="service", cost_band="100k_500k", priority="partnership", programme="prevention",
        description="A car crewed by a police officer and a mental health nurse attending calls "
                    "where mental health is the main need, 4pm to midnight.",
        problem="Officers spend hours at A&E with people in crisis, and section 136 detentions are "
                "high because officers have no clinical advice at the scene.",
        outcome="People in crisis get the right care first time; fewer detentions and hospital waits.",
        deadline="The national Right Care, Right Person partnership agreement.",
        score=(4, 3, 5, (4, 3, 1, 5)), hours=3500,
        quality=("Section 136 detentions", "Detentions a month", "38", "Down 30%"),
        gates={"G1": [("approve_with_conditions",)]},
        confidence=("amber_green", "The NHS partner has filled two of three nurse posts; the car runs "
                                   "four nights a week until the third nurse starts."),
    ),
    DemoInitiative(
        title="Domestic abuse risk assessment digitisation", department="Crime and Public Protection",
        route="delivery", kind="digital", cost_band="100k_500k", priority="service",
        programme="prevention",
        description="Officers complete the DASH risk assessment on their mobile device at the scene, "
                    "feeding straight into the safeguarding referral and MARAC.",
        problem="Paper DASH forms are scanned days later, so high-risk victims can wait for a "
                "safeguarding referral.",
        outcome="Every domestic abuse risk assessment complete and referred within 24 hours.",
        deadline="Domestic Abuse Act duties and PEEL findings on safeguarding referrals.",
        detours=("info",), score=(5, 3, 5, (5, 2, 4, 4)), hours=4800,
        quality=("Risk assessments completed at the scene", "% of domestic incidents with a complete DASH",
                 "72%", "95%"),
        reasons={"request_info": "Will the national DARA tool replace DASH here? Please confirm which "
                                 "assessment the force will use.",
                 "resubmit": "Confirmed with the Public Protection lead: we keep DASH until the national "
                             "decision on DARA, and the form will be configurable."},
        confidence=("green", "On plan; the north area pilot shows a complete DASH on 97% of incidents."),
    ),
    DemoInitiative(
        title="Fleet telematics", department="Estates and Facilities", route="delivery", kind="fleet",
        cost_band="100k_500k", priority="technology", funding="capital", programme="capital",
        description="Fit telematics to the 480-vehicle fleet to record location, mileage, idling and "
                    "driving, feeding fleet planning.",
        problem="We do not know how much each vehicle is used; the fleet is sized by habit and fuel "
                "costs rose 22% in two years.",
        outcome="A right-sized fleet, lower fuel costs and safer driving.",
        deadline="The 2026/27 fleet replacement plan needs utilisation data.",
        detours=("pause",), score=(3, 3, 4, (2, 2, 4, 1)), hours=1200, saving=85000,
        reasons={"hold": "Paused while the regional fleet framework is re-tendered; no call-off is "
                         "possible until the new framework is let.",
                 "resume": "New regional framework awarded; call-off placed and fitting rescheduled."},
        confidence=("amber_green", "Back on track after the framework pause; fitting runs at 40 "
                                   "vehicles a week."),
    ),
    DemoInitiative(
        title="Crime data integrity audit tool", department="Crime and Public Protection",
        route="delivery", kind="digital", cost_band="10k_100k", priority="service", programme="peel",
        description="A tool that samples incidents every day and checks them against the Home Office "
                    "Counting Rules, so errors are put right within 24 hours.",
        problem="HMICFRS graded crime data integrity as requires improvement: about one in ten "
                "reported crimes is not recorded.",
        outcome="Crime recording accuracy of 95% or better, checked every day.",
        deadline="HMICFRS re-inspection of crime data integrity.",
        score=(5, 2, 4, (5, 1, 4, 1)), hours=1400, slip=60,
        quality=("Crime recording accuracy", "% of audited incidents correctly recorded", "89%", "95%"),
        confidence=("red", "The supplier went into administration; the code is held in escrow. "
                           "Options for a replacement supplier go to the Corporate Delivery Board."),
    ),
    DemoInitiative(
        title="Rota and duty management replacement", department="People Services (HR)",
        route="delivery", kind="digital", cost_band="over_1m", priority="wellbeing",
        description="Replace the 15-year-old duty management system with a rota, leave, overtime and "
                    "skills platform linked to payroll.",
        problem="The system is out of support; rotas are kept in spreadsheets alongside it and "
                "overtime claims are keyed twice.",
        outcome="One system for rotas, leave and overtime, with officers able to see and swap shifts "
                "on their phones.",
        deadline="Supplier support for the current system ends on 31 March.",
        score=(5, 5, 4, (3, 5, 4, 1)), hours=8000, saving=120000, slip=40,
        quality=("Rest days cancelled at short notice", "Cancelled with under 15 days' notice a month",
                 "310", "Down 40%"),
        gates={"G2": [("return_for_rework",), ("approve",)]},
        confidence=("amber", "Payroll integration is late; parallel running extended by six weeks. "
                             "The forecast is within budget."),
    ),
    # ---- on hold
    DemoInitiative(
        title="ANPR camera network expansion", department="Crime and Public Protection",
        route="on_hold", kind="digital", cost_band="100k_500k", priority="technology",
        funding="capital", programme="capital",
        description="Add 30 fixed ANPR cameras on the main routes into the county, linked to the "
                    "national ANPR service.",
        problem="Travelling offenders use routes we cannot see; gaps in coverage hamper burglary "
                "and county lines investigations.",
        outcome="ANPR coverage of every main route into the county.",
        deadline="Serious and organised crime strategy commitments.",
        score=(4, 3, 4, (3, 1, 4, 2)), hours=2500,
        reasons={"hold": "Paused by the Corporate Delivery Board until the Home Office review of "
                         "national ANPR standards reports; no new camera sites until then."},
        confidence=("amber", "On hold pending the national standards review; the contractor is stood "
                             "down and spend to date is within budget."),
    ),
    DemoInitiative(
        title="Drone unit expansion", department="Response Policing", route="on_hold", kind="fleet",
        cost_band="100k_500k", priority="technology", funding="capital",
        description="Add four drones and train eight more pilots so a drone is available on every "
                    "shift for searches and incidents.",
        problem="Drones are only available in office hours; night-time searches for missing people "
                "rely on the helicopter, which is often unavailable.",
        outcome="A drone and pilot on duty around the clock.",
        deadline="National Police Air Service changes to helicopter cover.",
        score=(4, 3, 4, (4, 2, 4, 2)), hours=1600,
        reasons={"hold": "Civil Aviation Authority operating authorisation renewal outstanding; no "
                         "further spend until it is granted."},
        confidence=("amber_red", "Paused awaiting CAA authorisation; two pilots' qualifications "
                                 "lapse if the pause lasts beyond three months."),
    ),
    # ---- business case
    DemoInitiative(
        title="Electric vehicle charging at police stations (capital)",
        department="Estates and Facilities", route="delivery", kind="estates", cost_band="500k_1m",
        priority="technology", funding="capital", programme="capital",
        description="Install 60 charge points at 12 stations so the fleet can move to electric "
                    "vehicles as cars are replaced.",
        problem="We cannot buy electric vehicles until stations can charge them, and the force "
                "carbon plan commits to 50% electric cars by 2030.",
        outcome="Charging in place ahead of each station's vehicle replacement.",
        deadline="Grid connection quotes expire in March; net zero plan milestones.",
        score=(3, 4, 4, (2, 1, 4, 3)), saving=140000,
        quality=("Fleet carbon emissions", "Tonnes CO2e a year", "2,900", "Down 450 tonnes"),
        gates={"G2": [("approve",)]},  # one of the two capital approvals recorded so far
    ),
    DemoInitiative(
        title="Neighbourhood team bases shared with councils", department="Neighbourhood Policing",
        route="business_case", kind="estates", cost_band="100k_500k", priority="partnership",
        funding="capital", programme="capital",
        description="Move four neighbourhood teams into council hubs and libraries and close two "
                    "leased offices.",
        problem="Neighbourhood teams work from leased offices far from the communities they serve; "
                "the leases cost £65,000 a year.",
        outcome="Teams based in the heart of their communities, alongside council staff, at lower cost.",
        deadline="The leases expire in September.",
        score=(3, 3, 4, (4, 3, 1, 5)), hours=3000, saving=65000,
        gates={"G1": [("approve_with_conditions",)]},
    ),
    DemoInitiative(
        title="Integrated offender management case system", department="Criminal Justice and Custody",
        route="business_case", kind="digital", cost_band="100k_500k", priority="partnership",
        programme="prevention",
        description="A shared case system for police, probation and partners managing prolific "
                    "offenders, replacing spreadsheets.",
        problem="Partners keep separate spreadsheets on the same offenders; information arrives late "
                "and actions are duplicated.",
        outcome="One shared picture of each offender and the plan to manage them.",
        deadline="The Probation Service's national refresh of offender management.",
        score=(3, 3, 4, (3, 1, 3, 5)), hours=2200,
        quality=("Reoffending by managed offenders", "Proven reoffending rate", "46%", "Down 10%"),
        gates={"G1": [("defer",), ("approve",)]},
    ),
    DemoInitiative(
        title="Stop and search transparency dashboard", department="Professional Standards",
        route="delivery", kind="digital", cost_band="10k_100k", priority="service", programme="peel",
        description="A public dashboard of stop and search by area, ethnicity and outcome, with "
                    "body-worn video reviewed by the community scrutiny panel.",
        problem="Stop and search data is published as a yearly spreadsheet that the scrutiny panel "
                "and HMICFRS find hard to use.",
        outcome="Open, timely data that the public and the scrutiny panel can question.",
        deadline="PEEL legitimacy findings and the Police Race Action Plan.",
        score=(4, 2, 4, (5, 1, 3, 3)), hours=300,
        quality=("Scrutiny panel confidence", "Panel members rating the data as clear", "20%", "80%"),
        gates={"G2": [()]},  # requested, awaiting the board
    ),
    DemoInitiative(
        title="Vetting case management system", department="Professional Standards",
        route="business_case", kind="digital", cost_band="100k_500k", priority="service",
        programme="peel",
        description="A case management system for recruitment and renewal vetting, with automatic "
                    "reminders for renewals and checks.",
        problem="Vetting runs on a spreadsheet; renewals are missed and recruits wait up to 12 weeks "
                "for clearance.",
        outcome="Every vetting renewal on time and clearance within 30 days.",
        deadline="The vetting code of practice and the HMICFRS vetting inspection findings.",
        detours=("rescore",), score=(4, 3, 4, (5, 2, 3, 1)), hours=2000,
        reasons={"rescore": "Re-scored after HMICFRS published its national vetting report: "
                            "urgency raised."},
        # Returned for rework at Gate 2: the comment waits on the initiative for the PMO.
        then=("G2",), gates={"G2": [("return_for_rework",)]},
    ),
    # ---- scoring
    DemoInitiative(
        title="Youth diversion scheme with local authorities", department="Neighbourhood Policing",
        route="business_case", kind="service", cost_band="100k_500k", priority="partnership",
        programme="prevention",
        description="Divert young people arrested for first low-level offences into a council-run "
                    "programme instead of a charge, with a youth worker for each case.",
        problem="First-time young offenders enter the justice system for low-level offences, and "
                "many reoffend within a year.",
        outcome="Fewer first-time entrants to the youth justice system.",
        deadline="The council's early help strategy and youth justice targets.",
        score=(3, 3, 4, (3, 2, 1, 5)), hours=1200,
        gates={"G1": [()]},  # requested, awaiting the board
    ),
    DemoInitiative(
        title="Digital case file quality checker", department="Criminal Justice and Custody",
        route="scoring", kind="digital", cost_band="10k_100k", priority="service", programme="peel",
        description="Automatic checks on case files before they go to the CPS, flagging missing "
                    "statements, exhibits and redaction.",
        problem="A third of the files sent to the CPS come back incomplete, delaying charging decisions.",
        outcome="Files right first time and fewer returned by the CPS.",
        deadline="The National File Standard and the joint police and CPS performance framework.",
        detours=("rescore",), score=(3, 2, 4, (5, 1, 4, 1)),
        reasons={"rescore": "Re-scored after the CPS raised file quality at the local criminal "
                            "justice board."},
        # Deferred at Gate 1: listed with its date, and the PMO is told when it comes.
        then=("G1",), gates={"G1": [("defer",)]},
    ),
    DemoInitiative(
        title="Officer wellbeing peer support network", department="People Services (HR)",
        route="scoring", kind="service", cost_band="10k_100k", priority="wellbeing",
        description="Train 60 volunteer peer supporters across the force and give them protected "
                    "time to support colleagues after traumatic incidents.",
        problem="In the staff survey 41% of frontline officers said they had no-one to talk to after "
                "a traumatic incident.",
        outcome="A trained peer supporter within reach of every team.",
        deadline="The staff survey action plan is due to the Chief Officer Group.",
        score=(2, 2, 3, (2, 4, 1, 2)),
        override=("High", "Raised to High at the Chief Officer Group's request after the staff "
                          "survey findings on trauma support."),
    ),
    DemoInitiative(
        title="Station front counter appointment booking", department="Contact Management",
        route="scoring", kind="digital", cost_band="10k_100k", priority="service",
        description="Let the public book a time at a station front counter online, for example to "
                    "produce documents or collect property.",
        problem="People queue at front counters for routine matters and staff cannot plan their "
                "day; three counters are due to reduce their hours.",
        outcome="Routine visits booked in advance and shorter queues.",
        deadline="Front counter opening hours change in April.",
        score=(2, 1, 3, (4, 1, 4, 1)),
    ),
    # ---- triage
    DemoInitiative(
        title="Online account for the public to track their reports", department="Contact Management",
        route="triage", kind="digital", cost_band="100k_500k", priority="technology",
        description="A secure online account where people can follow the progress of crimes and "
                    "incidents they have reported, and send more information.",
        problem="Most 101 calls are people asking for updates on an existing report, because they "
                "cannot check for themselves.",
        outcome="People follow their own reports online and 101 handles new demand.",
        deadline="The national Single Online Home roadmap.",
    ),
    DemoInitiative(
        title="Taser training facility upgrade", department="People Services (HR)", route="triage",
        kind="estates", cost_band="100k_500k", priority="wellbeing", funding="capital",
        description="Convert the disused garage at the training centre into a Taser and personal "
                    "safety training room with a scenario area.",
        problem="Taser courses are held in sports halls hired by the day, and courses are cancelled "
                "when halls are unavailable.",
        outcome="A permanent training room that allows a course every week.",
        deadline="Taser uplift commitment for next year.",
        detours=("info",),
        reasons={"request_info": "How many more officers need Taser training each year, and could the "
                                 "regional training centre take them instead?",
                 "resubmit": "180 more officers a year need initial and refresher training; the "
                             "regional centre is fully booked for the next two years."},
    ),
    DemoInitiative(
        title="Forensic exhibit tracking with barcodes", department="Crime and Public Protection",
        route="triage", kind="digital", cost_band="10k_100k", priority="service",
        description="Barcode every forensic exhibit and track its movement from scene to laboratory "
                    "to court with handheld scanners.",
        problem="Exhibit movements are written in paper registers; gaps in continuity have led to "
                "evidence being challenged at court.",
        outcome="An unbroken, auditable chain of custody for every exhibit.",
        deadline="The Forensic Science Regulator's statutory code of practice.",
    ),
    # ---- information requested
    DemoInitiative(
        title="Interpreter booking system for custody", department="Criminal Justice and Custody",
        route="info_requested", kind="digital", cost_band="10k_100k", priority="service",
        description="Book face-to-face and video interpreters for detainees from the custody record, "
                    "with costs tracked.",
        problem="Custody sergeants phone round agencies for interpreters; detainees wait hours and "
                "costs are not controlled.",
        outcome="Interpreters booked in minutes at framework rates.",
        deadline="PACE time limits on detention.",
        reasons={"request_info": "Does the regional interpreter framework contract already include a "
                                 "booking portal? Please check with Procurement before we assess this."},
    ),
    DemoInitiative(
        title="Firearms licensing online applications", department="Crime and Public Protection",
        route="info_requested", kind="digital", cost_band="10k_100k", priority="service",
        description="Let applicants for firearm and shotgun certificates apply and upload medical "
                    "evidence online.",
        problem="Applications arrive on paper; the backlog is 14 weeks and renewals expire while "
                "people wait.",
        outcome="Applications decided within the eight-week target.",
        deadline="Home Office statutory guidance on firearms licensing.",
        reasons={"request_info": "The national firearms licensing system is being replaced next year. "
                                 "What would a force-level change add, and could it wait?"},
    ),
    # ---- submitted
    DemoInitiative(
        title="Speed enforcement van replacement", department="Response Policing", route="submitted",
        kind="fleet", cost_band="100k_500k", priority="service", funding="capital",
        description="Replace three speed enforcement vans that reach the end of their life next "
                    "year, with digital cameras.",
        problem="The vans' cameras fail calibration and enforcement days are lost every month.",
        outcome="Reliable mobile speed enforcement at the sites the road safety partnership chooses.",
        deadline="Type approval for the current cameras ends next year.",
    ),
    DemoInitiative(
        title="Webchat for non-emergency contact", department="Contact Management", route="submitted",
        kind="digital", cost_band="10k_100k", priority="service",
        description="Add webchat to the force website for non-emergency contact, answered by the "
                    "contact centre.",
        problem="Younger people and people with hearing loss find 101 hard to use, and email replies "
                "take days.",
        outcome="A quick, accessible written channel for non-emergency contact.",
    ),
    DemoInitiative(
        title="Missing person search planning app", department="Crime and Public Protection",
        route="submitted", kind="digital", cost_band="10k_100k", priority="partnership",
        description="A mobile app for search advisers to plan and record missing person searches, "
                    "sharing maps with search teams and volunteers.",
        problem="Search plans are drawn on paper maps; teams cover the same ground twice and records "
                "are incomplete for review.",
        outcome="Faster, better coordinated searches for high-risk missing people.",
    ),
    # ---- draft
    DemoInitiative(
        title="Video interpreting at station front counters", department="Contact Management",
        route="draft", kind="digital", cost_band="under_10k", priority="service",
        description="Tablets at front counters giving on-demand video interpreting in 200 languages.",
        problem="Front counter staff cannot help visitors who do not speak English without booking "
                "an interpreter days ahead.",
        outcome="",  # still being written
    ),
    DemoInitiative(
        title="Replacement of custody CCTV recorders", department="Criminal Justice and Custody",
        route="draft", kind="digital", cost_band="10k_100k", priority="service", funding="capital",
        description="Replace the recorders behind the custody CCTV cameras in the two outlying suites.",
        problem="Recorders fail without warning and footage has been lost in two complaint "
                "investigations.",
        outcome="Reliable, retained custody footage for every detention.",
    ),
    DemoInitiative(
        title="Purchase card spend analytics", department="Finance", route="draft", kind="digital",
        cost_band="under_10k", priority="service",
        description="Monthly analysis of purchase card spend to spot duplicate suppliers and "
                    "off-contract buying.",
        problem="Purchase card spend of £2.1 million a year is only checked by sampling.",
        outcome="Off-contract spend found and moved onto frameworks.",
    ),
    # ---- rejected
    DemoInitiative(
        title="Repaint patrol vehicles in new force livery", department="Estates and Facilities",
        route="triage", then=("reject",), kind="fleet", cost_band="100k_500k", priority="service",
        funding="capital",
        description="Repaint and re-livery the patrol fleet with the updated force crest.",
        problem="Vehicles carry three different liveries, which looks inconsistent to the public.",
        outcome="A consistent, recognisable fleet.",
        reasons={"reject": "Not a change initiative: livery follows national guidance and is refreshed "
                           "as vehicles are replaced. Referred to the Fleet Manager as business as usual."},
    ),
    DemoInitiative(
        title="Rota app for neighbourhood teams", department="Neighbourhood Policing", route="scoring",
        then=("reject",), kind="digital", cost_band="10k_100k", priority="wellbeing",
        description="A small app for neighbourhood sergeants to plan shifts around community events.",
        problem="Neighbourhood rotas are built in spreadsheets and clash with response cover.",
        outcome="Neighbourhood rotas planned around community needs.",
        score=(2, 2, 2, (1, 3, 3, 1)),
        reasons={"reject": "Duplicates the force-wide rota and duty management replacement now in "
                           "delivery; neighbourhood needs have gone to that project as requirements."},
    ),
    DemoInitiative(
        title="Live facial recognition trial", department="Crime and Public Protection",
        route="business_case", kind="digital", cost_band="500k_1m", priority="technology",
        funding="capital",
        description="A six-month trial of live facial recognition vans at major events to find "
                    "wanted people.",
        problem="Wanted people attend large events undetected; officers rely on remembering "
                "briefing photographs.",
        outcome="More wanted offenders found at events.",
        score=(3, 5, 3, (2, 1, 5, 1)),
        gates={"G1": [("reject",)]},
        reasons={"reject_at_gate": "The Board will not fund a force-only trial ahead of the national "
                                   "facial recognition framework and the review of its legal basis. "
                                   "Revisit when the national position is published."},
    ),
    # ---- withdrawn
    DemoInitiative(
        title="Gym equipment replacement at the training centre", department="People Services (HR)",
        route="submitted", then=("withdraw",), kind="service", cost_band="10k_100k", priority="wellbeing",
        description="Replace worn gym equipment at the training centre used to prepare for fitness tests.",
        problem="Equipment is broken and officers preparing for fitness tests have nowhere to train.",
        outcome="Safe, working gym equipment.",
        reasons={"withdraw": "Now funded by the Police Federation and the welfare fund, so it no "
                             "longer needs PMO investment."},
    ),
    DemoInitiative(
        title="Print room consolidation", department="Finance", route="info_requested",
        then=("withdraw",), kind="service", cost_band="10k_100k", priority="service",
        description="Close the two print rooms and move all printing to multifunction devices under "
                    "one contract.",
        problem="Two print rooms with four staff print far less than they used to; most printing is "
                "now done on office devices.",
        outcome="One print service at lower cost.",
        reasons={"request_info": "Could this be handled in the managed print contract renewal rather "
                                 "than as a project?",
                 "withdraw": "Yes: Procurement will include it in the managed print contract "
                             "renewal, so we are withdrawing the request."},
    ),
    # ---- cancelled
    DemoInitiative(
        title="Shared HR and payroll service with a neighbouring force", department="Finance",
        route="business_case", then=("cancel",), kind="digital", cost_band="over_1m",
        priority="partnership",
        description="Join a neighbouring force's HR and payroll system and shared service centre.",
        problem="Each force runs its own HR and payroll system and team, and our contract ends soon.",
        outcome="One shared service at lower cost to both forces.",
        score=(3, 5, 3, (3, 2, 3, 4)), hours=5000, saving=250000,
        reasons={"cancel": "The neighbouring force withdrew from the collaboration after its own "
                           "system decision; the business case no longer stands."},
    ),
    DemoInitiative(
        title="Mounted section stables refurbishment (capital)", department="Estates and Facilities",
        route="on_hold", then=("cancel",), kind="estates", cost_band="500k_1m", priority="service",
        funding="capital", programme="capital",
        description="Refurbish the stables and tack room for the mounted section's 12 horses.",
        problem="The stables are in poor condition and failed a welfare inspection item on ventilation.",
        outcome="Stables that meet welfare standards for the next 20 years.",
        score=(3, 4, 3, (3, 3, 1, 2)),
        quality=("Stable condition", "Welfare inspection findings", "1 finding", "No findings"),
        reasons={"hold": "The Chief Officer Group is reviewing the future of the mounted section; "
                         "works paused.",
                 "cancel": "The Chief Officer Group decided to share mounted provision with the "
                           "neighbouring force, so the refurbishment is no longer needed. Spend to "
                           "date was limited to surveys and design."},
        confidence=("amber", "Design complete; works paused by the Chief Officer Group's review."),
    ),
    # ---- merged (duplicates of live work)
    DemoInitiative(
        title="Track my crime report online", department="Neighbourhood Policing", route="triage",
        then=("merge",), kind="digital", cost_band="10k_100k", priority="technology",
        merge_into="Online account for the public to track their reports",
        description="A web page where victims enter their crime number to see its status.",
        problem="Victims ring neighbourhood officers directly for updates, taking them off patrol.",
        outcome="Victims can check progress for themselves.",
    ),
    DemoInitiative(
        title="Upload portal for CCTV footage from the public", department="Response Policing",
        route="submitted", then=("merge",), kind="digital", cost_band="10k_100k", priority="technology",
        merge_into="Digital evidence management system",
        description="A portal where the public and businesses upload CCTV and doorbell footage for "
                    "investigations.",
        problem="Officers collect footage on memory sticks in person, taking hours per case.",
        outcome="Footage uploaded straight to investigators.",
    ),
)

# ------------------------------------------------------------------ how work is shaped

BAND_THOUSANDS = {"under_10k": (4, 9), "10k_100k": (30, 95), "100k_500k": (140, 460),
                  "500k_1m": (560, 940), "over_1m": (1300, 3600)}

# (description, category, nature, share of the total); recurring lines are per year.
COST_LINES = {
    ("digital", "revenue"): (("Implementation and data migration", "revenue", "one_off", 0.50),
                             ("Training and backfill for officers' time", "revenue", "one_off", 0.15),
                             ("Licences, hosting and support", "revenue", "recurring", 0.35)),
    ("digital", "capital"): (("Devices, hardware and installation", "capital", "one_off", 0.60),
                             ("Implementation and integration", "revenue", "one_off", 0.15),
                             ("Licences and support", "revenue", "recurring", 0.25)),
    ("estates", "capital"): (("Construction and fit-out", "capital", "one_off", 0.78),
                             ("Surveys, design and professional fees", "capital", "one_off", 0.12),
                             ("Facilities maintenance", "revenue", "recurring", 0.10)),
    ("fleet", "capital"): (("Equipment and fitting", "capital", "one_off", 0.70),
                           ("Project team and training", "revenue", "one_off", 0.10),
                           ("Data service and maintenance", "revenue", "recurring", 0.20)),
    ("service", "revenue"): (("Set-up, recruitment and training", "revenue", "one_off", 0.30),
                             ("Staff posts", "revenue", "recurring", 0.70)),
}
REWORK_COST = ("Backfill for officers' training time (added at rework)", "revenue", "one_off", 0.06)
# What shows that a condition of each gate is met, recorded by the PMO.
CONDITION_EVIDENCE = {
    "G1": "Confirmed at the monthly PMO review; the note is on the initiative's SharePoint site.",
    "G2": "Agreed by the Head of Finance and minuted at the Corporate Delivery Board.",
    "G3": "Handover signed by the service owner; the acceptance note is in the project file.",
    "G4": "Confirmed by the sponsor at the closure meeting.",
}

DO_MINIMUM = {
    "digital": "Extend support for the current arrangements and add manual workarounds.",
    "estates": "Essential repairs only, keeping the building safe for five more years.",
    "fleet": "Manual mileage returns and spot checks by fleet staff.",
    "service": "Absorb the work in existing teams with guidance and training only.",
}
COMMERCIAL = {
    "digital": "Procured through the Crown Commercial Service G-Cloud framework after a further "
               "competition; the contract includes data return at exit and escrow of the source code.",
    "estates": "Works let through the regional police estates construction framework on a design "
               "and build contract, with a fixed price after intrusive surveys.",
    "fleet": "Call-off from the national blue light vehicle and equipment framework; no separate "
             "tender is needed.",
    "service": "Delivered with partners under a signed partnership agreement and data sharing "
               "agreement; posts are recruited through the force's usual process.",
}
FUNDING_SOURCE = {
    "capital": "Capital comes from the capital programme; one-off revenue from the change reserve.",
    "revenue": "One-off costs come from the change reserve.",
}
RISKS = {
    "digital": (("Data migration from the legacy system takes longer than planned, delaying go-live.",
                 "Trial migration in month two; the supplier provides data cleansing support."),
                ("Officers do not adopt the new tool because training competes with operational duties.",
                 "Train on shift through champions; track use weekly.")),
    "estates": (("Hidden conditions such as asbestos are found during works, increasing cost.",
                 "Intrusive surveys before contract award; 15% contingency held."),
                ("Planning or building control approvals delay the start on site.",
                 "Early engagement with the local planning authority and pre-application advice.")),
    "fleet": (("Vehicle and equipment supply delays hold up fitting.",
               "Fit in line with the vehicle replacement cycle; committed supplier dates."),
              ("Staff associations object to monitoring of driving.",
               "Agree a usage policy with the Police Federation and UNISON before go-live.")),
    "service": (("Partners cannot commit staff for the whole pilot.",
                 "Signed partnership agreement with named leads and a monthly partnership board."),
                ("Demand is higher than modelled and the team cannot keep up.",
                 "Weekly demand monitoring and an agreed escalation route to the duty inspector.")),
}
MILESTONES = {
    "digital": ("Supplier contract signed", "Configuration and data migration complete",
                "Pilot live in one area", "Force-wide go-live", "Legacy system decommissioned"),
    "estates": ("Design and approvals complete", "Contractor appointed", "Start on site",
                "Practical completion", "Handover to operations"),
    "fleet": ("Framework call-off placed", "First vehicles fitted", "All vehicles fitted",
              "Reporting live for fleet managers"),
    "service": ("Operating model agreed with partners", "Staff recruited and trained", "Pilot launched",
                "Full service live", "Six-month evaluation"),
}
VARIANCE_NOTE = ("Decommissioning waits for the national interface change now due next spring; "
                 "the Board accepted the variance at Gate 3 with the old system kept read-only.")

# The portfolio's common lessons by kind of work, handed out in turn.
LESSONS = {
    "digital": (
        dict(title="Clean legacy data before migration, not during", category="Data", stage="delivery",
             lesson_type="corporate", priority="high",
             event="The first trial migration rejected 18% of legacy records for missing or duplicated fields.",
             effect="Go-live slipped while records were cleansed by hand.",
             cause="The business case had no assessment of data quality.",
             early_warning="The supplier's validation rejected the sample extract in week three.",
             recommendation="Fund a data quality sprint before contract award for every system replacement.",
             dependencies="Digital Services data team; supplier migration tooling"),
        dict(title="Train officers on shift, not in classrooms", category="Training", stage="delivery",
             lesson_type="both", priority="medium",
             event="Classroom sessions were cancelled when shifts were short of officers.",
             effect="A third of officers had no training at go-live.",
             cause="Training was planned around the project team's diary, not shift patterns.",
             early_warning="Low bookings for the first two weeks of sessions.",
             recommendation="Use champions on each shift and short videos officers can watch on duty.",
             dependencies="Response and neighbourhood shift patterns; Learning and Development"),
        dict(title="Book security testing at the investment decision", category="Security", stage="delivery",
             lesson_type="corporate", priority="high",
             event="The IT health check could only be booked six weeks after the build finished.",
             effect="Go-live waited for the test and the fixes it found.",
             cause="Security assurance was not in the plan until the build was complete.",
             early_warning="The security team's diary was full for the quarter.",
             recommendation="Book the IT health check at Gate 2 and plan the fixes into the schedule.",
             dependencies="Information Security; national policing security assurance"),
        dict(title="Name the business owner before go-live", category="Governance", stage="delivery",
             lesson_type="corporate", priority="medium",
             event="After go-live nobody in the department owned the system's settings and reports.",
             effect="Change requests queued at the service desk for weeks.",
             cause="The project team kept ownership until closure.",
             early_warning="Users asked the project team rather than their managers for changes.",
             recommendation="Name and train a business owner before Gate 3.",
             dependencies="Receiving department; Digital Services service desk"),
    ),
    "estates": (
        dict(title="Survey before you price", category="Estates", stage="business_case",
             lesson_type="corporate", priority="high",
             event="Asbestos found after contract award added weeks and a contractor claim.",
             effect="Cost and time overran the approved tolerance.",
             cause="Intrusive surveys were cut to save time before the investment decision.",
             early_warning="The building's asbestos register was incomplete.",
             recommendation="Make intrusive surveys an entry criterion for Gate 2 on refurbishments.",
             dependencies="Estates surveyors; construction framework contractor"),
    ),
    "fleet": (
        dict(title="Agree monitoring policy with staff associations first", category="Stakeholders",
             stage="delivery", lesson_type="project", priority="medium",
             event="Fitting paused while the Police Federation raised concerns about driver monitoring.",
             effect="Three weeks lost and two fitting slots missed.",
             cause="The usage policy was drafted after fitting began.",
             early_warning="Questions from drivers at the first depot.",
             recommendation="Sign off any monitoring policy with staff associations before work starts.",
             dependencies="Police Federation; UNISON; Fleet Services"),
    ),
    "service": (
        dict(title="Test partners' commitment before writing the full business case",
             category="Partnership", stage="business_case", lesson_type="corporate", priority="high",
             event="A partner could not supply the staff it had promised.",
             effect="The service started with reduced hours.",
             cause="Commitments were verbal until late in the business case.",
             early_warning="The partner missed two planning meetings.",
             recommendation="Ask for a signed letter of commitment at Gate 1.",
             dependencies="NHS and council partners"),
    ),
}
# Logged when an initiative is cancelled: what the portfolio learns from work it stopped.
CANCELLATION_LESSON = dict(
    title="Log decisions outside the project that could overtake it", category="Governance",
    lesson_type="corporate", priority="medium",
    effect="Effort spent on the business case, surveys and design could not be recovered.",
    cause="The dependency on a partner or executive decision was not in the RAID log.",
    early_warning="Partners or the Chief Officer Group signalled a review before the work began.",
    recommendation="Record dependencies on partner and executive decisions at Gate 1 and check them "
                   "before every later gate.",
    dependencies="Decisions outside the project: partner forces, the Chief Officer Group",
)

CONDITIONS = {
    "G1": "The business case includes a regional collaboration option and a do-minimum option.",
    "G2": "The data protection impact assessment is signed off by the Data Protection Officer "
          "before go-live.",
    "G3": "Support handover to the service desk and the business owner is completed and evidenced.",
    "G4": "A final benefits report goes to the Corporate Delivery Board in six months.",
}
APPROVAL_COMMENTS = {
    "G1": "Good fit with the force's priorities; develop the business case.",
    "G2": "Value for money shown and funding confirmed; investment approved.",
    "G3": "Delivery evidence accepted; move to benefits review.",
    "G4": "Benefits evidenced and lessons recorded; close.",
}
DECISION_COMMENTS = {
    "approve_with_conditions": "Approved subject to the condition recorded.",
    "defer": "Deferred to the next Corporate Delivery Board: Finance must first confirm the "
             "funding position for next year.",
    "return_for_rework": "Returned for rework: the economic case needs a do-minimum option and the "
                         "costs leave out backfill for officers' training time.",
}
GATE_NOTES = {
    "G1": "Scored and triaged; asking the Board to fund a business case.",
    "G2": "Business case complete; investment decision requested.",
    "G3": "Delivery complete; handover evidence attached.",
    "G4": "Benefits measured, lessons recorded and sponsor satisfaction captured; closure requested.",
}
DEFAULT_REASONS = {
    "request_info": "Please give more detail on the expected benefits and who else has been consulted.",
    "resubmit": "Detail added on benefits and the teams consulted.",
    "hold": "Paused by the Corporate Delivery Board pending a funding review.",
    "resume": "The cause of the pause is resolved; delivery restarts against a re-baselined plan.",
    "rescore": "Re-scored after new information from the department.",
}

# ----------------------------------------------------------------- the shape of a past

# The lifecycle each route travels; gates (G1-G4) are expanded into reviews and decisions.
_TO_SCORING = ("submit", "start_triage", "accept", "score")
_TO_CASE = _TO_SCORING + ("G1", "write_case")
_TO_DELIVERY = _TO_CASE + ("G2", "mobilise")
_TO_REVIEW = _TO_DELIVERY + ("finish_delivery", "G3", "measure")
ROUTES = {
    "draft": (),
    "submitted": ("submit",),
    "triage": ("submit", "start_triage"),
    "info_requested": ("submit", "start_triage", "request_info"),
    "scoring": _TO_SCORING,
    "business_case": _TO_CASE,
    "delivery": _TO_DELIVERY + ("progress",),
    "on_hold": _TO_DELIVERY + ("progress", "hold"),
    "benefits_review": _TO_REVIEW,
    "closed": _TO_REVIEW + ("G4",),
}
# detour: (the step it follows, the steps it adds)
DETOURS = {
    "info": ("start_triage", ("request_info", "resubmit")),
    "pause": ("mobilise", ("hold", "resume")),
    "rescore": ("score", ("score",)),
}
# Days between the previous step and this one: (fewest, most).
GAPS = {
    "submit": (1, 9), "start_triage": (1, 6), "request_info": (2, 10), "resubmit": (3, 14),
    "accept": (3, 15), "reject": (3, 20), "merge": (2, 10), "withdraw": (3, 25),
    "score": (4, 14), "request_gate": (5, 21), "decide": (2, 10), "write_case": (21, 56),
    "mobilise": (2, 10), "progress": (45, 210), "hold": (20, 90), "resume": (21, 60),
    "cancel": (14, 60), "measure": (60, 150),
}
DELIVERY_DAYS = {"digital": (120, 270), "estates": (300, 540), "fleet": (150, 300), "service": (90, 210)}
DEFER_DAYS = 28
# Days from the last step to today, by what the last step was.
TAILS = {
    "create": (1, 25), "submit": (1, 12), "start_triage": (2, 20), "request_info": (3, 18),
    "resubmit": (1, 10), "score": (5, 35), "write_case": (10, 60), "progress": (1, 14),
    "hold": (10, 75), "measure": (10, 50), "awaiting": (1, 9), "closed": (20, 200),
    "reject": (20, 300), "withdraw": (20, 300), "cancel": (30, 200), "merge": (5, 60),
}
MAX_HISTORY_DAYS = 540  # about 18 months

# Timestamps the app writes as "now", which the demo moves onto its own clock.
_CLOCKED = {
    AuditEvent: ("created_at",),
    Initiative: ("created_at", "state_changed_at", "submitted_at"),
    Score: ("created_at",),
    BusinessCase: ("created_at",),
    GateReview: ("requested_at", "decided_at"),
    GateDecision: ("created_at",),
    Lesson: ("created_at",),
    User: ("created_at",),
}


# ------------------------------------------------------------------------------ seeding


def seed() -> bool:
    """Load the demo portfolio in one transaction; False (and nothing written) if it is there."""
    if db.session.scalar(select(User.id).where(User.email.in_(DEMO_LOGINS)).limit(1)) is not None:
        return False
    rng = random.Random(2026)
    today = utcnow() - timedelta(hours=1)
    clock = DemoClock(rng, latest=today)
    try:
        with _on_demo_clock(db.session(), clock):
            clock.start(today - timedelta(days=MAX_HISTORY_DAYS + 60))
            cast = _cast(rng, clock)
            plans = [plan(demo, rng) for demo in INITIATIVES]
            # Oldest first, so CR references follow the order requests arrived; duplicates last,
            # after the work they duplicate.
            plans.sort(key=lambda p: (p.demo.merge_into is not None, -p.days_ago))
            for past in plans:
                clock.start(today - timedelta(days=past.days_ago))
                cast.walked[past.demo.title] = Walk(past.demo, cast).run(past.steps)
            _settle_old_conditions(today.date(), cast.people[PMO_LEAD])
            demo_registers.seed(cast, today)
            demo_reports.seed(cast, today)
            demo_resources.seed(today.date())
            demo_governance.seed(cast, today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


class DemoClock:
    """The seeding's "now": moves forward through the demo's past, landing in office hours."""

    def __init__(self, rng: random.Random, latest: datetime):
        self.rng = rng
        self.latest = latest
        self.now = latest

    @property
    def today(self) -> date:
        return self.now.date()

    def start(self, when: datetime) -> None:
        self.now = self._office_hours(when)

    def advance(self, days: float) -> None:
        later = max(self._office_hours(self.now + timedelta(days=days)), self.now + timedelta(minutes=7))
        self.now = min(later, self.latest)

    def _office_hours(self, moment: datetime) -> datetime:
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
        return moment.replace(hour=self.rng.randint(8, 16), minute=self.rng.randrange(0, 60, 5),
                              second=0, microsecond=0)


@contextmanager
def _on_demo_clock(session, clock: DemoClock):
    """While seeding, any timestamp the app stamps as "now" (or leaves to its column default)
    is set to the demo clock at flush, so the real code paths write a believable history."""
    real_start = utcnow() - timedelta(minutes=1)

    def restamp(session, _context, _instances):
        for row in list(session.new) + list(session.dirty):
            for name in _CLOCKED.get(type(row), ()):
                value = getattr(row, name)
                defaulted = value is None and row in session.new and type(row).__table__.c[name].default is not None
                if defaulted or (value is not None and value >= real_start):
                    setattr(row, name, clock.now)

    event.listen(session, "before_flush", restamp)
    try:
        yield
    finally:
        event.remove(session, "before_flush", restamp)


@dataclass
class Cast:
    """Who and what the walks refer to: people, reference data, and initiatives walked so far."""

    rng: random.Random
    clock: DemoClock
    people: dict[str, User]
    departments: dict[str, Department]
    priorities: dict[str, StrategicPriority]
    programmes: dict[str, Programme]
    weights: dict[str, int]
    walked: dict[str, Initiative] = field(default_factory=dict)
    lessons_given: Counter[str] = field(default_factory=Counter)


def _cast(rng: random.Random, clock: DemoClock) -> Cast:
    """Reference data, settings and people; rows an admin already made are reused by name."""
    departments = {name: _named(Department, name) for name in DEPARTMENTS}
    priorities = {key: _named(StrategicPriority, name, position=position)
                  for position, (key, name) in enumerate(PRIORITIES, start=1)}
    programmes = {key: _named(Programme, name, description=text, start_year=start, end_year=end)
                  for key, (name, text, start, end) in PROGRAMMES.items()}
    for key, value in Setting.DEFAULTS.items():
        if db.session.get(Setting, key) is None:
            Setting.put(key, value)
    for code, quorum, capital_quorum in GATE_SETTINGS:
        if db.session.get(GateSetting, code) is None:
            db.session.add(GateSetting(code=code, approver_role="approver", quorum=quorum,
                                       capital_quorum=capital_quorum))
    # Hashed once (as User.set_password would): scrypt takes a tenth of a second a time and
    # every demo login shares the one published password anyway.
    password_hash = generate_password_hash(DEMO_PASSWORD)
    people = {}
    for email, name, rank, department, roles in PEOPLE:
        person = User(email=email, name=name, rank=rank, department=departments[department],
                      password_hash=password_hash)
        person.set_roles(roles)
        db.session.add(person)
        people[email] = person
    db.session.flush()
    return Cast(rng, clock, people, departments, priorities, programmes, Setting.get("scoring_weights"))


def _named(model, name: str, **fields):
    """The row of `model` called `name`, added with `fields` if there is none yet."""
    row = db.session.scalar(select(model).where(model.name == name))
    if row is None:
        row = model(name=name, **fields)
        db.session.add(row)
    return row


def _settle_old_conditions(today: date, pmo) -> None:
    """Gate conditions due more than a fortnight ago are met, but for the latest of them on
    work still in delivery, left overdue so the PMO has one to chase; later ones are open."""
    old = gate_conditions.conditions_due(today - timedelta(days=15))
    chase = [c for c in old if c.initiative.state in IN_DELIVERY_STATES][-1:]
    for condition in old:
        if condition not in chase:
            gate_conditions.close_condition(condition, pmo, "meet", CONDITION_EVIDENCE[condition.gate])


# ---------------------------------------------------------------------------- planning


@dataclass
class Step:
    """One thing that happens to an initiative, `gap` days after the step before it."""

    action: str
    gap: float = 0.0
    arg: object = None


@dataclass
class Plan:
    """One initiative's past: its steps, and the days from the last of them to today."""

    demo: DemoInitiative
    steps: list[Step]
    tail: float

    @property
    def days_ago(self) -> float:
        """How long ago the initiative was first drafted."""
        return sum(step.gap for step in self.steps) + self.tail


def plan(demo: DemoInitiative, rng: random.Random) -> Plan:
    """The steps of `demo`'s past with the days between them, squeezed into the last 18 months."""
    tokens = list(ROUTES[demo.route]) + list(demo.then)
    for detour in demo.detours:
        anchor, extra = DETOURS[detour]
        at = tokens.index(anchor) + 1
        tokens[at:at] = extra
    steps = [Step("create")]
    ending = "create"
    for token in tokens:
        if token in GATE_CODES:
            ending = _plan_gate(steps, demo, token, rng)
            if ending != "approved":
                break
            ending = "closed" if token == "G4" else token
        else:
            steps.append(Step(token, _gap(token, demo, rng)))
            ending = token
    tail = rng.uniform(*TAILS.get(ending, (2, 45)))
    total = sum(step.gap for step in steps)
    room = MAX_HISTORY_DAYS * rng.uniform(0.85, 1.0) - tail
    if total > room:  # squeeze long journeys into the last 18 months, not all to the same day
        for step in steps:
            step.gap *= room / total
    _plan_delivery_span(steps, demo, rng)
    for number, step in enumerate(steps):
        if step.action == "measure":  # complete only when closure is asked for next
            step.arg = any(s.action == "request_gate" and s.arg == "G4" for s in steps[number:])
    return Plan(demo, steps, tail)


def _gap(token: str, demo: DemoInitiative, rng: random.Random) -> float:
    if token == "finish_delivery":
        return rng.uniform(*DELIVERY_DAYS[demo.kind]) + demo.slip
    return rng.uniform(*GAPS[token])


def _plan_gate(steps: list[Step], demo: DemoInitiative, code: str, rng: random.Random) -> str:
    """Add each review of gate `code` and its decisions; "approved", "reject" or "awaiting"."""
    quorum = next(capital if demo.funding == "capital" and capital else q
                  for c, q, capital in GATE_SETTINGS if c == code)
    reviews = demo.gates.get(code, [("approve",) * quorum])
    for number, decisions in enumerate(reviews):
        gap = rng.uniform(*GAPS["request_gate"])
        if number and reviews[number - 1][-1] == "defer":
            gap = DEFER_DAYS + rng.uniform(0, 7)
        if number and reviews[number - 1][-1] == "return_for_rework":
            steps.append(Step("write_case", rng.uniform(14, 35)))
        steps.append(Step("request_gate", gap, code))
        settled = len(decisions) >= quorum or any(d not in APPROVING_DECISIONS for d in decisions)
        # A review left open waits for the demo approver, so their queue has work in it.
        panel = (rng.choice((HEAD_OF_CHANGE, HEAD_OF_CHANGE, BOARD_CHAIR)), FINANCE_DIRECTOR) if settled \
            else (FINANCE_DIRECTOR,)
        # Fewer decisions than approvers: one decision can settle a review; an open one awaits its next.
        for approver, decision in zip(panel, decisions, strict=False):
            steps.append(Step("decide", rng.uniform(*GAPS["decide"]), (decision, approver)))
    last = reviews[-1]
    if "reject" in last:
        return "reject"
    if len(last) < quorum or any(d not in APPROVING_DECISIONS for d in last):
        return "awaiting"
    return "approved"


def _plan_delivery_span(steps: list[Step], demo: DemoInitiative, rng: random.Random) -> None:
    """Give the mobilise step its planned delivery length in days: beyond today for work still
    in delivery, and `slip` days short of the actual finish for work that has finished."""
    actions = [step.action for step in steps]
    if "mobilise" not in actions:
        return
    start = actions.index("mobilise")
    # Every route through mobilise goes on to progress (still delivering) or finish_delivery.
    end = next(n for n in range(start + 1, len(steps)) if actions[n] in ("progress", "finish_delivery"))
    elapsed = sum(step.gap for step in steps[start + 1:end + 1])
    if actions[end] == "progress":
        steps[start].arg = elapsed + rng.uniform(60, 240)
    else:
        steps[start].arg = max(elapsed - demo.slip, elapsed * 0.7)


# ------------------------------------------------------------------------------ walking


class Walk:
    """Replays one initiative's planned past through the real workflow, one step at a time."""

    def __init__(self, demo: DemoInitiative, cast: Cast):
        self.demo = demo
        self.cast = cast
        self.rng = cast.rng
        self.clock = cast.clock
        self.owner = cast.people[OWNER_OF[demo.department]]
        self.pmo = cast.people[PMO_LEAD]
        self.initiative: Initiative | None = None
        self.review: GateReview | None = None
        self.cost_total = 0
        self.started: date | None = None
        self.span = 0

    def run(self, steps: list[Step]) -> Initiative:
        for step in steps:
            self.clock.advance(step.gap)
            getattr(self, step.action)(step.arg)
            db.session.flush()  # each step's rows take this step's time
        return self.initiative

    # -- request and triage: hand triggers

    def create(self, _arg) -> None:
        demo = self.demo
        self.initiative = Initiative(
            title=demo.title, description=demo.description, problem=demo.problem,
            department=self.cast.departments[demo.department], sponsor=SPONSORS[demo.department],
            desired_outcome=demo.outcome, deadline_driver=demo.deadline, cost_band=demo.cost_band,
            strategic_priority=self.cast.priorities[demo.priority], owner=self.owner,
        )
        db.session.add(self.initiative)

    def submit(self, _arg) -> None:
        workflow.fire(self.initiative, "submit", self.owner)

    def start_triage(self, _arg) -> None:
        workflow.fire(self.initiative, "start_triage", self.pmo)

    def request_info(self, _arg) -> None:
        workflow.fire(self.initiative, "request_info", self.pmo, question=self._reason("request_info"))

    def resubmit(self, _arg) -> None:
        workflow.fire(self.initiative, "resubmit", self.owner, answer=self._reason("resubmit"))

    def accept(self, _arg) -> None:
        workflow.fire(self.initiative, "accept", self.pmo)

    def reject(self, _arg) -> None:
        workflow.fire(self.initiative, "reject", self.pmo, reason=self._reason("reject"))

    def withdraw(self, _arg) -> None:
        workflow.fire(self.initiative, "withdraw", self.owner, reason=self._reason("withdraw"))

    def merge(self, _arg) -> None:
        survivor = self.cast.walked[self.demo.merge_into]
        workflow.fire(self.initiative, "merge", self.pmo, target_id=survivor.id)

    # -- scoring and the business case

    def score(self, _arg) -> None:
        urgency, complexity, desirability, alignment_values = self.demo.score
        rescoring = db.session.scalar(select(Score.id).where(Score.initiative_id == self.initiative.id)) is not None
        if rescoring:
            urgency = min(urgency + 1, 5)
        alignments = {self.cast.priorities[key].id: value
                      for (key, _name), value in zip(PRIORITIES, alignment_values, strict=True)}
        total, band = matrix.compute(urgency, complexity, desirability, alignments, self.cast.weights)
        override = None if rescoring else self.demo.override
        db.session.add(Score(
            initiative_id=self.initiative.id, scorer_id=self.pmo.id, urgency=urgency,
            complexity=complexity, desirability=desirability,
            alignment=matrix.best_alignment(alignments), weights=dict(self.cast.weights),
            total=total, band=band, band_override=override[0] if override else None,
            override_comment=override[1] if override else "",
            rationale=self._reason("rescore") if rescoring else self._rationale(),
            alignments=[ScoreAlignment(priority_id=pid, value=v) for pid, v in alignments.items()],
        ))

    def write_case(self, _arg) -> None:
        demo, initiative = self.demo, self.initiative
        previous = workflow.current_case(initiative.id)
        if previous is None:  # the PMO names a project manager and a programme for the case
            initiative.manager = self.cast.people[self.rng.choice(PROJECT_MANAGERS)]
            initiative.programme = self.cast.programmes.get(demo.programme)
            low, high = BAND_THOUSANDS[demo.cost_band]
            self.cost_total = self.rng.randint(low, high) * 1000
        lines = COST_LINES[(demo.kind, demo.funding)] + ((REWORK_COST,) if previous else ())
        # One-off costs fall in this financial year; running costs start in the next.
        this_year = financial_year(self.clock.today)
        costs = [CaseCost(description=text, category=category, nature=nature,
                          financial_year=this_year + (nature == "recurring"),
                          amount=Decimal(max(500, round(self.cost_total * share / 500) * 500)))
                 for text, category, nature, share in lines]
        case = BusinessCase(
            initiative_id=initiative.id, version=previous.version + 1 if previous else 1,
            author_id=initiative.manager.id, costs=costs,
            options=[CaseOption(name="Do nothing", description=f"Carry on as now. {demo.problem}"),
                     CaseOption(name="Do minimum", description=DO_MINIMUM[demo.kind]),
                     CaseOption(name=f"Preferred: {demo.title}", description=demo.outcome, preferred=True)],
            benefits=self._planned_benefits(),
            risks=[CaseRisk(description=d, mitigation=m) for d, m in RISKS[demo.kind]],
        )
        for name, text in self._five_cases(case).items():
            setattr(case, name, text)
        db.session.add(case)
        initiative.funding_type = case.funding_type  # as saving the case does (docs/rules.md 9)

    # -- gates

    def request_gate(self, code: str) -> None:
        requester = self.pmo if code in ("G1", "G2") else self.initiative.manager
        # Earlier gates' conditions are met before the next gate is asked for (docs/rules.md 9).
        for condition in gate_conditions.open_conditions(self.initiative.id):
            gate_conditions.close_condition(condition, requester, "meet", CONDITION_EVIDENCE[condition.gate])
        self.review = gates.request_review(self.initiative, requester, note=GATE_NOTES[code])

    def decide(self, arg: tuple[str, str]) -> None:
        decision, approver_email = arg
        code = self.review.gate
        conditions = ()
        if decision == "approve_with_conditions":
            owner = self.initiative.manager or self.pmo
            conditions = (Condition(CONDITIONS[code], owner.name, self.clock.today + timedelta(days=45),
                                    owner_id=owner.id),)
        if decision == "approve":
            comment = APPROVAL_COMMENTS[code]
        elif decision == "reject":
            comment = self._reason("reject_at_gate")
        else:
            comment = DECISION_COMMENTS[decision]
        defer_until = self.clock.today + timedelta(days=DEFER_DAYS) if decision == "defer" else None
        # The service adds decisions by review_id, so a review held across decisions (a web
        # request never does) must reload them to count the earlier approvals towards quorum.
        db.session.expire(self.review, ["decisions"])
        gates.record_decision(self.review, self.cast.people[approver_email], decision, comment=comment,
                              conditions=conditions, defer_until=defer_until)

    # -- delivery

    def mobilise(self, span: float) -> None:
        """After the investment decision: budget, baseline plan and the benefits' baselines."""
        initiative, case = self.initiative, workflow.current_case(self.initiative.id)
        self.started, self.span = self.clock.today, span
        # The delivery budget covers the one-off costs and the first year's running costs.
        approved = case.total_cost(nature="one_off") + case.total_cost(nature="recurring")
        initiative.budget_approved = approved
        initiative.budget_forecast = approved
        initiative.budget_actual = Decimal(0)
        initiative.planned_end = initiative.forecast_end = self.started + timedelta(days=round(span))
        names = MILESTONES[self.demo.kind]
        for number, name in enumerate(names, start=1):
            baseline = self.started + timedelta(days=round(span * number / len(names)))
            db.session.add(Milestone(initiative_id=initiative.id, name=name, baseline_date=baseline,
                                     forecast_date=baseline))
        initiative.delivery_confidence = "green"
        initiative.confidence_justification = "Mobilised: team in place and plan baselined."
        for benefit in self._benefits():
            benefit.owner = initiative.sponsor
            benefit.baseline_date = self.started
            benefit.target_date = initiative.planned_end + timedelta(days=365)
            benefit.status = "on_track"

    def progress(self, _arg) -> None:
        """Where delivery stands today: milestones met or slipping, spend to date, confidence."""
        initiative, today, slip = self.initiative, self.clock.today, self.demo.slip
        for share, milestone in self._milestones():
            expected = milestone.baseline_date + timedelta(days=round(slip * share))
            milestone.forecast_date = expected
            if expected <= today:
                milestone.actual_date = expected
        elapsed = min(max((today - self.started).days / self.span, 0), 1)
        approved = initiative.budget_approved
        initiative.budget_forecast = _pounds(approved * Decimal(1 + self.demo.overrun
                                                                if self.demo.overrun else self.rng.uniform(0.95, 1.0)))
        initiative.budget_actual = _pounds(initiative.budget_forecast * Decimal(elapsed * self.rng.uniform(0.85, 1.0)))
        initiative.forecast_end = initiative.planned_end + timedelta(days=slip)
        rating, justification = self.demo.confidence or (
            "green", "On plan: milestones and spend in line with the baseline.")
        initiative.delivery_confidence, initiative.confidence_justification = rating, justification
        if rating in ("amber_red", "red"):
            for benefit in self._benefits():
                benefit.status = "at_risk"

    def finish_delivery(self, _arg) -> None:
        """Delivery done: milestones met (one may stay open with an accepted variance), final spend."""
        initiative, today, slip = self.initiative, self.clock.today, self.demo.slip
        milestones = self._milestones()
        for share, milestone in milestones:
            milestone.actual_date = min(milestone.baseline_date + timedelta(days=round(slip * share)), today)
            milestone.forecast_date = milestone.actual_date
        if self.demo.variance:
            _share, last = milestones[-1]
            last.actual_date = None
            last.forecast_date = today + timedelta(days=75)
            last.variance_accepted = True
            last.variance_note = VARIANCE_NOTE
        approved, overrun = initiative.budget_approved, self.demo.overrun
        initiative.budget_actual = initiative.budget_forecast = _pounds(
            approved * Decimal(1 + overrun if overrun else self.rng.uniform(0.92, 1.0)))
        initiative.forecast_end = max(m.actual_date for _share, m in milestones if m.actual_date)
        default = ("green", "Delivered to scope and within the approved budget.")
        initiative.delivery_confidence, initiative.confidence_justification = self.demo.confidence or default

    def hold(self, _arg) -> None:
        workflow.fire(self.initiative, "hold", self.initiative.manager, reason=self._reason("hold"))

    def resume(self, _arg) -> None:
        workflow.fire(self.initiative, "resume", self.initiative.manager, reason=self._reason("resume"))

    def cancel(self, _arg) -> None:
        reason, stage = self._reason("cancel"), self.initiative.stage
        workflow.fire(self.initiative, "cancel", self.cast.people[HEAD_OF_CHANGE], reason=reason)
        for benefit in self._benefits():
            benefit.status = "not_realised"
            benefit.no_actual_reason = f"Initiative cancelled: {reason}"
        author = self.initiative.manager or self.pmo
        db.session.add(Lesson(initiative_id=self.initiative.id, owner=author.name, logged_by_id=author.id,
                              date_added=self.clock.today, stage=stage, event=reason,
                              **CANCELLATION_LESSON))

    # -- benefits review

    def measure(self, complete: bool) -> None:
        """Benefits measured against target, lessons logged; sponsor satisfaction when complete.
        Short of closure, the last benefit still waits for its data."""
        benefits = self._benefits()
        measured = benefits if complete else benefits[:-1]
        for benefit in measured:
            self._record_actual(benefit)
        self._log_lessons(complete)
        if complete:
            score, comment = self.demo.satisfaction or (4, "Satisfied with the outcome.")
            self.initiative.satisfaction_score = score
            self.initiative.satisfaction_comment = comment

    # -- helpers

    def _reason(self, key: str) -> str:
        return self.demo.reasons.get(key) or DEFAULT_REASONS[key]

    def _rationale(self) -> str:
        demo = self.demo
        best = max(zip(demo.score[3], (name for _key, name in PRIORITIES), strict=True))[1]
        driver = demo.deadline or "No fixed deadline."
        return f"Triage panel scoring. Time driver: {driver} Best fit with the priority “{best}”."

    def _planned_benefits(self) -> list[CaseBenefit]:
        demo, planned = self.demo, []
        if demo.hours:
            planned.append(CaseBenefit(name="Officer and staff hours released", category="non_cash_releasing",
                                       measure="Hours a year", target=f"{demo.hours:,} hours"))
        if demo.saving:
            planned.append(CaseBenefit(name="Cashable saving", category="cash_releasing",
                                       measure="£ a year removed from budgets", target=f"£{demo.saving:,}",
                                       financial_value=Decimal(demo.saving)))
        if demo.quality:
            name, measure, _baseline, target = demo.quality
            planned.append(CaseBenefit(name=name, category="quality", measure=measure, target=target))
        return planned

    def _five_cases(self, case: BusinessCase) -> dict[str, str]:
        demo, initiative = self.demo, self.initiative
        priority = self.cast.priorities[demo.priority].name
        programme = f" It sits in the {initiative.programme.name}." if initiative.programme else ""
        gains = [f"releases about {demo.hours:,} officer and staff hours a year"] if demo.hours else []
        if demo.saving:
            gains.append(f"saves £{demo.saving:,} a year")
        if demo.quality:
            name, _measure, baseline, target = demo.quality
            gains.append(f"moves “{name}” from {baseline} to {target}")
        one_off, recurring = case.total_cost(nature="one_off"), case.total_cost(nature="recurring")
        capital = case.total_cost(category="capital")
        year = self.clock.today.year if self.clock.today.month >= 4 else self.clock.today.year - 1
        months = round(DELIVERY_DAYS[demo.kind][1] / 30)
        return {
            "strategic_case": f"{demo.problem} {demo.description} It serves the force priority "
                              f"“{priority}”.{programme} {demo.deadline}".strip(),
            "economic_case": f"Three options were appraised over five years: do nothing, do minimum and "
                             f"the preferred option. The preferred option {' and '.join(gains)}. Do nothing "
                             f"leaves the problem to grow; do minimum costs less but secures under half "
                             f"of the benefit.",
            "commercial_case": COMMERCIAL[demo.kind],
            "financial_case": f"One-off costs of £{one_off:,.0f} (of which capital £{capital:,.0f}) and "
                              f"recurring costs of £{recurring:,.0f} a year. {FUNDING_SOURCE[demo.funding]} "
                              f"Recurring costs from the second year are built into the {demo.department} "
                              f"budget from {year + 1}/{(year + 2) % 100:02d}.",
            "management_case": f"{initiative.manager.name} manages the project for {initiative.sponsor}, "
                               f"the senior responsible owner, with monthly highlight reports to the "
                               f"Corporate Delivery Board. Delivery within {months} months of approval; "
                               f"benefits are owned in the business and reviewed 6 and 12 months after "
                               f"go-live.",
        }

    def _benefits(self) -> list[Benefit]:
        return list(db.session.scalars(select(Benefit).where(Benefit.initiative_id == self.initiative.id)
                                       .order_by(Benefit.id)))

    def _milestones(self) -> list[tuple[float, Milestone]]:
        """The initiative's milestones in plan order, each with how far through the plan it falls."""
        rows = list(db.session.scalars(select(Milestone).where(Milestone.initiative_id == self.initiative.id)
                                       .order_by(Milestone.baseline_date, Milestone.id)))
        return [(number / len(rows), row) for number, row in enumerate(rows, start=1)]

    def _record_actual(self, benefit: Benefit) -> None:
        demo, today = self.demo, self.clock.today
        achieved = self.rng.uniform(0.75, 1.1)
        benefit.baseline_value = {"non_cash_releasing": "0 hours", "cash_releasing": "£0"}.get(
            benefit.category, demo.quality[2] if demo.quality else "")
        if benefit.category == "quality" and achieved < 0.85:
            benefit.no_actual_reason = ("The first full-year figures come with the annual report; the "
                                        "interim quarter shows the measure moving towards target.")
            return
        benefit.actual_date = today
        benefit.status = "realised" if achieved >= 0.95 else "partially_realised"
        if benefit.category == "non_cash_releasing":
            benefit.actual_value = f"{round(demo.hours * achieved, -1):,.0f} hours"
            benefit.evidence = "Time-and-motion sample before and after go-live, agreed with Finance."
        elif benefit.category == "cash_releasing":
            benefit.realised_value = _pounds(Decimal(demo.saving) * Decimal(achieved))
            benefit.actual_value = f"£{benefit.realised_value:,.0f}"
            benefit.evidence = "Budget line reduced in the medium-term financial plan."
        else:
            met = achieved >= 0.95
            benefit.actual_value = (f"{benefit.target_value} (met)" if met
                                    else f"Improving; {benefit.target_value} not yet reached")
            benefit.evidence = "Performance report to the Corporate Delivery Board."

    def _log_lessons(self, complete: bool) -> None:
        """This initiative's own lesson, plus one of the common lessons for its kind of work
        at closure (or when it has none of its own)."""
        lessons = [self.demo.lesson] if self.demo.lesson else []
        if complete or not lessons:
            pool = LESSONS[self.demo.kind]
            lessons.append(pool[self.cast.lessons_given[self.demo.kind] % len(pool)])
            self.cast.lessons_given[self.demo.kind] += 1
        author = self.initiative.manager or self.pmo
        for lesson in lessons:
            db.session.add(Lesson(initiative_id=self.initiative.id, owner=author.name,
                                  date_added=self.clock.today, logged_by_id=author.id, **lesson))


def _pounds(amount: Decimal) -> Decimal:
    """Round to the nearest £100, as budgets are reported."""
    return (Decimal(amount) / 100).quantize(Decimal(1)) * 100
