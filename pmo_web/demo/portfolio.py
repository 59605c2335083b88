"""The demo's force and portfolio: departments, people, programmes, the initiatives and the
path each takes, and the text its business cases, gates and lessons are written from.
walk.py replays them through the real workflow."""
from __future__ import annotations

from dataclasses import dataclass, field

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
