"""The simulator's catalogue: the train's names and words, its workflows and link types, and the calendar grid.

Plain data and three pure functions of the calendar (:func:`pi_name`, :func:`moment`,
:func:`current_pi_start`); the builder (simulator/builder.py) draws from it, nothing here draws at random.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from syncreport.simulator.model import LinkType, User

MIN_ISSUES = 50
MAX_ISSUES = 200_000
SPRINT_DAYS = 14
SPRINT_START_HOUR = 8  # UTC; a sprint ends 13 days 9 hours later (Sunday 17:00) and closes within 10 hours
SPRINTS_PER_PI = 6  # five development sprints and the IP sprint
PI_DAYS = SPRINT_DAYS * SPRINTS_PER_PI
OFF_CADENCE_SHIFT_DAYS = 3
HEAVY_EVERY = 97  # every 97th story gets 100+ histories
FLAG_ID = "10019"  # the option id of "Impediment" in the Flagged field

TEAM_NAMES = [
    "Orion", "Vega", "Lyra", "Draco", "Phoenix", "Hydra", "Aquila", "Cygnus",
    "Pegasus", "Carina", "Lynx", "Corvus", "Pavo", "Tucana", "Volans",
]  # fmt: skip
TRAIN_PROJECTS = [("ORB", "Orbit Checkout"), ("NOVA", "Nova Payments"), ("ATL", "Atlas Mobile")]
EXTERNAL_PROJECT = ("PLAT", "Platform Services")
RESTRICTED_PROJECT = ("SEC", "Security Response")
EXTERNAL_TEAM = "Platform Core"

# workflow key -> (new, in progress, in review, done, blocked) as (id, name, category)
WORKFLOWS: dict[str, list[tuple[str, str, str]]] = {
    "en": [("10000", "To Do", "new"), ("3", "In Progress", "indeterminate"), ("10001", "In Review", "indeterminate"),
           ("10002", "Done", "done"), ("10003", "Blocked", "indeterminate")],
    "de": [("10100", "Offen", "new"), ("10101", "In Arbeit", "indeterminate"), ("10102", "In Prüfung", "indeterminate"),
           ("10103", "Erledigt", "done"), ("10104", "Blockiert", "indeterminate")],
    "zh": [("10200", "待办", "new"), ("10201", "进行中", "indeterminate"), ("10202", "评审中", "indeterminate"),
           ("10203", "已完成", "done"), ("10204", "受阻", "indeterminate")],
    "fr": [("10300", "À faire", "new"), ("10301", "En cours", "indeterminate"), ("10302", "En revue", "indeterminate"),
           ("10303", "Terminé", "done"), ("10304", "Bloqué", "indeterminate")],
}  # fmt: skip
WORKFLOW_ORDER = ["en", "de", "zh", "fr"]

LINK_TYPES = [
    LinkType("10000", "Blocks", inward="is blocked by", outward="blocks"),
    LinkType("10100", "Dependency", inward="blocks", outward="is blocked by"),
    LinkType("10003", "Relates", inward="relates to", outward="relates to"),
]

VERBS = [
    "Add",
    "Refactor",
    "Migrate",
    "Harden",
    "Instrument",
    "Document",
    "Localise",
    "Speed up",
    "Remove",
    "Fix",
]
OBJECTS = [
    "checkout flow", "payment retries", "card vault", "refund API", "order history page", "push notifications",
    "login with passkeys", "address autocomplete", "invoice PDF export", "fraud scoring hook", "tax engine",
    "mobile onboarding", "offline cart", "SEPA mandates", "webhook delivery", "rate limiter", "audit trail",
    "feature flags", "search ranking", "loyalty points",
]  # fmt: skip
HOSTILE_SUMMARIES = [
    "<script>alert('pwned')</script> Sanitise the comment field",
    "Fix <b>bold</b> & <i>italic</i> rendering in \"quoted\" 'names' </td></tr>",
    "🚀 Launch dark mode 🌙🔥 (emoji in titles 👩‍👩‍👧‍👦)",
    "تحديث واجهة الدفع للعملاء الجدد",
    "עדכון מערכת ההתראות ללקוחות",
    "Mixed ltr and العربية rtl text ‮reversed‬ mark",
    "{{ config.secret }} {% raw %} template-looking text ${jndi:ldap://x}",
    "Very long summary " + "that keeps going and going " * 9 + "until it is past 250 characters",
    "Zero\u200bwidth space and tab\there, NUL-free, back\\slash",
    "中文需求：支持多币种结算",
    "Ümlaut Größenänderung für Rückerstattungen",
    "-- DROP TABLE issues; -- 'OR 1=1",
]  # fmt: skip
LABELS = ["frontend", "backend", "api", "tech-debt", "compliance", "ux"]
PRIORITIES = ["Highest", "High", "Medium", "Medium", "Medium", "Low"]

USERS = [
    ("Ada Lindqvist", "Europe/Stockholm"), ("Jürgen Müller", "Europe/Berlin"), ("张伟", "Asia/Shanghai"),
    ("Siobhán O'Brien", "Europe/Dublin"), ("Amélie Dubois", "Europe/Paris"), ("Ravi Iyer", "Asia/Kolkata"),
    ("Nadia Haddad", "Asia/Beirut"), ("Tomás García", "Europe/Madrid"), ("Yuki Tanaka", "Asia/Tokyo"),
    ("Grace Okafor", "Africa/Lagos"),
]  # fmt: skip
API_USER = User(
    account_id="712020:5f1c6c2e-8d1a-4f0e-9a3b-53a1d0c0ffee",
    name="rte",
    display_name="Riley Train-Engineer",
    email="rte@example.com",
    time_zone="Europe/Berlin",
)

DELETED_DONE_STATUS = ("10900", "Resolved")  # named by changelogs, deleted from the site by a migration
DELETED_OPEN_STATUS = ("10901", "In QA")


def pi_name(index_from_now: int, current_start: date) -> str:
    """PI names "PI yy.n": n counts the PIs of the year, by the quarter of the current PI's middle."""
    middle = current_start + timedelta(days=PI_DAYS // 2)
    year, quarter = middle.year % 100, (middle.month - 1) // 3 + 1
    quarter += index_from_now
    while quarter < 1:
        year, quarter = year - 1, quarter + 4
    while quarter > 4:
        year, quarter = year + 1, quarter - 4
    return f"PI {year}.{quarter}"


def moment(when: date | datetime) -> datetime:
    """A day means its 00:00 UTC; a moment is taken in UTC, to the millisecond (Jira's timestamps have no finer
    part, so every generated time round-trips through the API unchanged)."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError("the generator's now must be timezone-aware")
        at = when.astimezone(UTC)
        return at.replace(microsecond=at.microsecond // 1000 * 1000)
    return datetime.combine(when, time(0, 0), tzinfo=UTC)


def current_pi_start(now: date | datetime) -> date:
    """Sprints start on Mondays of a fixed two-week grid; ``now`` is in the 3rd sprint of the current PI.

    The 3rd sprint is the latest one that started (at 08:00 UTC) by ``now`` (a day: its 00:00 UTC). So on a
    grid Monday before 08:00 it is the sprint that ended on Sunday 17:00, still open because its board's
    next sprint has not started; from 08:00 on it is the one that started that morning.
    """
    grid_monday = date(2024, 1, 1)
    started = (moment(now) - timedelta(hours=SPRINT_START_HOUR)).date()  # the last day whose start is past
    into_sprint = (started - grid_monday).days % SPRINT_DAYS
    return started - timedelta(days=2 * SPRINT_DAYS + into_sprint)
