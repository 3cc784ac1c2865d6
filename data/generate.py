"""Demo and benchmark exports for Rollgate.

Writes one CSV per canonical dataset (DESIGN.md §2) telling the story of DESIGN.md §8: a
"Contract drafting assistant" piloted in legal-ops from 2026-01-05, rolled out to legal,
legal-ops and procurement from 2026-04-01 (scope drift grows, a data exposure in mid-June
fires the pause trigger), then run with extra review from 2026-07-15.

    python data/generate.py --out data/demo                          # the committed small demo
    python data/generate.py --out bench-data --usage-rows 10000000   # benchmark scale

Everything is vectorised with numpy and polars. Usage, reviews and tickets are produced and
written in chunks of whole days, so ten million usage rows need well under a gigabyte of
memory. The output depends only on the seed and the row count.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
BOOL = NDArray[np.bool_]

DATASETS = ("roster", "training", "usage", "reviews", "costs", "incidents", "support", "feedback")
# Canonical column order of DESIGN.md §2: required columns, then optional ones.
COLUMNS: dict[str, list[str]] = {
    "roster": ["user_id", "department", "access_granted_on", "role", "access_revoked_on"],
    "training": ["user_id", "module", "completed_on", "score"],
    "usage": ["occurred_at", "user_id", "use_case", "event_id", "interactions", "output_action",
              "minutes_saved", "cost"],
    "reviews": ["review_id", "reviewed_at", "use_case", "outcome", "event_id", "reviewer_id",
                "error_severity", "error_type", "review_minutes", "rework_minutes"],
    "costs": ["month", "category", "amount", "line_id", "currency", "department", "use_case", "description"],
    "incidents": ["incident_id", "reported_at", "category", "severity", "use_case", "output_used",
                  "people_affected", "description", "correction", "escalated", "status", "resolved_at"],
    "support": ["ticket_id", "opened_at", "category", "user_id", "closed_at", "status", "topic",
                "handling_minutes"],
    "feedback": ["response_id", "submitted_at", "satisfaction", "user_id", "use_case", "comment"],
}  # fmt: skip

DEMO_USAGE_ROWS = 4000
ROWS_PER_USER = 200  # benchmark scale: about one user per 200 usage rows
MAX_USERS = 50_000
CHUNK_ROWS = 1_000_000
BENCH_REVIEW_SHARE = 0.05
BENCH_INCIDENT_RATE = 1 / 2000  # background incidents per usage row, benchmark only

START = date(2026, 1, 1)
END = date(2026, 9, 30)
N_DAYS = (END - START).days + 1
N_MONTHS = 9
EPOCH0 = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
END_TS = EPOCH0 + N_DAYS * 86_400 - 1
NEVER = 10_000  # day index standing for "access never revoked"
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
HOLIDAYS = [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14)]


def day_of(d: date) -> int:
    """Return the index of a date counted from 2026-01-01."""
    return (d - START).days


DEPARTMENTS = ("legal-ops", "legal", "procurement", "sales", "finance")
USE_CASES = ("drafting", "summarise", "clause_review", "translation", "negotiation_email")
NEVER_APPROVED = np.array([False, False, False, True, True])  # no stage approves these use cases
MINUTES_SAVED = np.array([12.0, 8.0, 10.0, 6.0, 5.0])  # typical minutes saved per interaction
COST_PER_INTERACTION = np.array([0.035, 0.05, 0.03, 0.04, 0.02])
BASE_MODULES = ("purpose", "limits", "data_rules", "review", "escalation", "issue_reporting")
MODULES = (*BASE_MODULES, "extra_review")
EXTRA_REVIEW_STARTS = day_of(date(2026, 7, 15))
SEAT_PRICE = 30.0
TRAINING_PRICE = 7.5  # per module completion
FIXED_COSTS = (  # category, description, monthly amount during the pilot and from April on (demo scale)
    ("infrastructure", "Hosting, logging and SSO", 450.0, 650.0),
    ("support", "AI support desk retainer", 150.0, 300.0),
)

# Periods of the story: pilot, April, May, June, July before the extra-review stage, recovery.
PERIOD_STARTS = [0, day_of(date(2026, 4, 1)), day_of(date(2026, 5, 1)), day_of(date(2026, 6, 1)),
                 day_of(date(2026, 7, 1)), EXTRA_REVIEW_STARTS]  # fmt: skip
APPROVAL_FIRST = np.array([True, False, False, False, False, True])  # review mode of the stage in force

# Use-case mix (columns follow USE_CASES) by cohort kind (in plan, drift, not rostered) and period.
UC_MIX = np.array([
    [[0.560, 0.425, 0.010, 0.005, 0.000],
     [0.420, 0.300, 0.250, 0.020, 0.010],
     [0.400, 0.280, 0.240, 0.050, 0.030],
     [0.370, 0.260, 0.230, 0.080, 0.060],
     [0.380, 0.270, 0.240, 0.070, 0.040],
     [0.450, 0.300, 0.235, 0.010, 0.005]],
    [[0.350, 0.150, 0.050, 0.050, 0.400]] * 6,
    [[0.500, 0.300, 0.200, 0.000, 0.000]] * 6,
])  # fmt: skip
ACTIONS = ("accepted", "edited", "rejected", "discarded", None)
ACTION_MIX = np.array([
    [0.52, 0.33, 0.04, 0.04, 0.07],
    [0.48, 0.33, 0.06, 0.06, 0.07],
    [0.45, 0.32, 0.08, 0.08, 0.07],
    [0.40, 0.32, 0.11, 0.10, 0.07],
    [0.45, 0.32, 0.08, 0.08, 0.07],
    [0.51, 0.34, 0.05, 0.03, 0.07],
])  # fmt: skip
INTERACTION_MIX = np.array([0.42, 0.27, 0.16, 0.10, 0.05])
REVIEW_SHARE = np.array([0.55, 0.20, 0.20, 0.20, 0.20, 0.50])  # approval_first reviews most outputs
ERROR_RATE = np.array([0.030, 0.060, 0.090, 0.170, 0.120, 0.035])
SEVERE_RATE = np.array([0.003, 0.010, 0.025, 0.090, 0.040, 0.006])
OUTCOMES = ("approved", "corrected", "rejected")
SEVERITIES = ("none", "minor", "major", "critical")
ERROR_TYPES = ("factual", "missing_clause", "wrong_jurisdiction", "outdated_reference", "tone", "formatting",
               "confidential_data")  # fmt: skip

# Tickets per usage row, by month: onboarding in January and April, confusion about rules in June.
TICKET_RATE = np.array([0.012, 0.006, 0.006, 0.020, 0.018, 0.024, 0.018, 0.010, 0.009])
TICKET_CATEGORIES = ("how_to", "allowed_use", "data_rules", "review", "access", "output_quality", "bug",
                     "other")  # fmt: skip
TICKET_MIX = np.array([
    [0.45, 0.00, 0.05, 0.15, 0.10, 0.15, 0.07, 0.03],
    [0.35, 0.15, 0.10, 0.00, 0.20, 0.10, 0.05, 0.05],
    [0.15, 0.25, 0.25, 0.10, 0.05, 0.15, 0.05, 0.00],
    [0.10, 0.25, 0.30, 0.10, 0.05, 0.15, 0.05, 0.00],
    [0.15, 0.25, 0.20, 0.15, 0.05, 0.15, 0.05, 0.00],
    [0.20, 0.05, 0.10, 0.30, 0.10, 0.15, 0.05, 0.05],
])  # fmt: skip
TOPICS = (  # by ticket category
    ("How to attach the clause playbook", "Export a draft to Word", "Where is the summarise button"),
    ("Can I use it for negotiation emails", "Is translation allowed", "Can sales use the assistant"),
    ("Client names in prompts", "Can I paste bank details", "Which contracts may be uploaded"),
    ("Who signs off the second review", "Review queue is slow", "How to record a correction"),
    ("Cannot sign in", "Request access for a new joiner"),
    ("Summary misses the termination clause", "Draft cites the wrong jurisdiction"),
    ("Export loses formatting", "Timeout on long contracts"),
    ("Licence invoice question",),
)

RESPONSE_RATE = np.array([0.80, 0.60, 0.55, 0.60, 0.50, 0.60])
SATISFACTION_MIX = np.array([
    [0.01, 0.04, 0.12, 0.45, 0.38],
    [0.03, 0.07, 0.20, 0.42, 0.28],
    [0.05, 0.10, 0.25, 0.38, 0.22],
    [0.12, 0.17, 0.27, 0.28, 0.16],
    [0.06, 0.12, 0.25, 0.35, 0.22],
    [0.02, 0.06, 0.17, 0.45, 0.30],
])  # fmt: skip
COMMENTS = (  # by satisfaction: 1-2, 3, 4-5
    ("Too many corrections needed, I redo most drafts by hand", "Not sure what I am allowed to paste",
     "Summaries miss key clauses"),
    ("Useful for first drafts, reviews take long", "OK for summaries, weak on clause checks"),
    ("Saves me an hour a day on standard NDAs", 'Good drafts, but "shall" vs "may" needs care',
     "Très utile pour les résumés, clear and quick", "The playbook check is great"),
)  # fmt: skip

# reported_at, category, severity, use_case, output_used, people_affected, description, correction,
# escalated, status, resolved_at
STORY_INCIDENTS = [
    ("2026-01-09T10:20:00Z", "access", "low", None, False, 2,
     "Two pilot users could not sign in after the SSO change", "SSO group mapping fixed",
     False, "resolved", "2026-01-09T15:05:00Z"),
    ("2026-02-12T14:02:00Z", "poor_output", "low", "drafting", False, 0,
     "Draft indemnity clause cited a repealed regulation; caught in review", "Prompt template updated",
     False, "resolved", "2026-02-13T11:30:00Z"),
    ("2026-03-18T09:41:00Z", "poor_output", "low", "summarise", False, 0,
     "Summary omitted a termination-for-convenience clause", "Reviewer checklist extended",
     False, "resolved", "2026-03-19T16:00:00Z"),
    ("2026-04-22T11:15:00Z", "complaint", "low", "drafting", True, 1,
     '=HYPERLINK("https://example.org") pasted into a prompt came back in a draft; '
     'the counterparty complained about <b>"AI boilerplate"</b>', "Draft re-issued by hand; template cleaned",
     False, "resolved", "2026-04-24T10:00:00Z"),
    ("2026-05-07T13:30:00Z", "poor_output", "medium", "clause_review", True, 1,
     "Clause check marked a non-standard liability cap as compliant",
     "Playbook rule added; contract re-checked", False, "resolved", "2026-05-12T09:00:00Z"),
    ("2026-05-19T16:45:00Z", "unsafe_output", "medium", "drafting", False, 0,
     "Draft suggested waiving a statutory consumer right", "Blocked phrase list extended",
     True, "resolved", "2026-05-22T12:00:00Z"),
    ("2026-05-21T08:55:00Z", "out_of_scope", "medium", "negotiation_email", True, 6,
     "Sales team used the assistant to write negotiation e-mails to customers",
     "Reminder of approved use cases sent to sales", True, "resolved", "2026-06-05T17:00:00Z"),
    ("2026-05-28T15:10:00Z", "poor_output", "low", "drafting", False, 0,
     "Governing-law clause defaulted to the wrong jurisdiction", "Corrected in review",
     False, "resolved", "2026-05-29T10:00:00Z"),
    ("2026-06-04T10:05:00Z", "poor_output", "medium", "translation", True, 1,
     "Working translation turned 'shall' into 'may' in a payment clause", "Clause re-translated by a lawyer",
     False, "resolved", "2026-06-09T14:00:00Z"),
    ("2026-06-16T10:42:00Z", "data_exposure", "high", "summarise", True, 14,
     "A contract summary shared with procurement contained a client's bank details copied from the source",
     "Summary withdrawn; prompts scanned; data-rules refresher for all users",
     True, "resolved", "2026-07-08T16:00:00Z"),
    ("2026-06-23T09:30:00Z", "complaint", "medium", "summarise", True, 1,
     "Supplier complained that a summary misquoted their delivery terms",
     "Apology and corrected summary sent", False, "resolved", "2026-06-26T11:00:00Z"),
    ("2026-06-26T14:20:00Z", "poor_output", "medium", "negotiation_email", True, 2,
     "Negotiation e-mail promised a discount nobody had approved", "Customer informed; use case blocked",
     True, "resolved", "2026-07-03T09:00:00Z"),
    ("2026-07-08T11:00:00Z", "out_of_scope", "low", "translation", False, 0,
     "Translation requests still reaching the assistant from legal", "Translation switched off in the tool",
     False, "resolved", "2026-07-15T09:00:00Z"),
    ("2026-08-19T13:25:00Z", "poor_output", "low", "drafting", False, 0,
     "Draft confidentiality clause too narrow; caught in approval", "Corrected in review",
     False, "resolved", "2026-08-20T10:00:00Z"),
    ("2026-09-10T09:00:00Z", "other", "low", None, False, 0,
     "Assistant unavailable for two hours during vendor maintenance", "Vendor notice process agreed",
     False, "resolved", "2026-09-10T11:10:00Z"),
    ("2026-09-28T16:30:00Z", "poor_output", "low", "summarise", False, 0,
     "Summary of a framework agreement listed the wrong notice period", None, False, "open", None),
]  # fmt: skip
# Background incidents of the benchmark are minor; the serious ones stay those of the story.
BENCH_INCIDENT_CATEGORIES = ("poor_output", "out_of_scope", "complaint", "access", "unsafe_output", "other")
BENCH_INCIDENT_MIX = np.array([0.6, 0.12, 0.1, 0.08, 0.04, 0.06])


@dataclass(frozen=True)
class Cohort:
    """A group of users who got access together and behave alike."""

    department: str
    roles: tuple[str, ...]
    size: int  # users in the demo; scaled for benchmarks
    granted: date
    intensity: tuple[float, ...]  # relative use per working day, January..September
    kind: int = 0  # 0 in a planned department, 1 drift (a department no stage lists), 2 not in the roster
    revoked: date | None = None  # the whole cohort loses access on this day
    leaver_on: date | None = None
    leavers: float = 0.0  # share of the cohort revoked on leaver_on
    inactive: float = 0.0  # share that never uses the tool
    late: float = 0.0  # share that trains only after first use


_WAVE = (0.0, 0.0, 0.0, 0.55, 0.65, 0.70, 0.65, 0.55, 0.70)
_DRIFT = (0.0, 0.0, 0.0, 0.0, 0.5, 0.8, 0.8, 0.0, 0.0)
COHORTS = (
    Cohort("legal-ops", ("contract manager", "paralegal", "lawyer"), 16, date(2026, 1, 5),
           (1.0, 1.1, 1.15, 1.0, 1.0, 1.0, 0.95, 0.85, 1.0), leaver_on=date(2026, 3, 20), leavers=0.07,
           late=0.125),
    Cohort("legal-ops", ("contract manager", "paralegal"), 4, date(2026, 4, 1), _WAVE),
    Cohort("legal", ("lawyer", "senior lawyer", "paralegal"), 18, date(2026, 4, 1), _WAVE,
           leaver_on=date(2026, 6, 30), leavers=0.06, inactive=0.12, late=0.12),
    Cohort("procurement", ("buyer", "category manager"), 10, date(2026, 4, 1), _WAVE,
           leaver_on=date(2026, 8, 14), leavers=0.1, inactive=0.1),
    # Access granted outside the plan in May and withdrawn when the extra-review stage starts.
    Cohort("sales", ("account executive",), 6, date(2026, 5, 4), _DRIFT, kind=1, revoked=date(2026, 7, 15)),
    Cohort("finance", ("analyst",), 3, date(2026, 5, 18), _DRIFT, kind=1, revoked=date(2026, 7, 15)),
    # External contractors using a shared login: in usage, never in the roster.
    Cohort("legal", ("contractor",), 2, date(2026, 5, 11), (0, 0, 0, 0, 0.4, 0.6, 0, 0, 0), kind=2,
           revoked=date(2026, 7, 1)),
)  # fmt: skip
DEMO_USERS = sum(c.size for c in COHORTS)
COHORT_KIND = np.array([c.kind for c in COHORTS])
COHORT_DEPARTMENT = np.array([DEPARTMENTS.index(c.department) for c in COHORTS])

FIRST_NAMES = (
    "anna", "ben", "carla", "david", "elena", "farid", "grace", "hugo", "ines", "jonas", "karin", "lars",
    "maria", "nils", "olga", "pablo", "quinn", "rosa", "sami", "tara", "umar", "vera", "wim", "xenia",
    "yusuf", "zoe", "alice", "bruno", "chloe", "daniel", "emma", "felix", "hanna", "ivan", "julia", "kofi",
    "lena", "marco", "nora", "oscar", "paula", "rafael", "sofia", "tomas", "ursula", "victor", "wanda",
    "yara", "adam", "beatriz", "cem", "dora", "erik", "fatima", "george", "helena", "igor", "jana", "leo",
    "mei"
)  # fmt: skip
LAST_NAMES = (
    "andersen", "bauer", "costa", "dubois", "eriksen", "fischer", "garcia", "hansen", "ivanova", "jensen",
    "kowalski", "larsen", "meyer", "novak", "oliveira", "petrov", "quint", "rossi", "schmidt", "torres",
    "ucar", "varga", "weber", "xu", "young", "zimmermann", "ahmed", "berg", "claes", "diaz", "engel",
    "ferrari", "gruber", "horvat", "ito", "janssen", "keller", "lindqvist", "moreau", "nagy", "okafor",
    "peeters", "rahman", "santos", "tanaka", "urban", "vos", "wagner", "yilmaz", "zeller", "arnold",
    "bianchi", "conti", "dahl", "eder", "fontaine", "gomez", "holm", "ibrahim", "jovanovic", "kaya",
    "lopez", "martin", "nielsen", "ortiz", "pohl", "riedel", "sousa", "thomsen", "vidal", "walsh", "yoon",
    "zhang", "brandt", "carvalho", "duarte", "falk", "greco", "hoffmann", "kraus"
)  # fmt: skip


def _calendar() -> tuple[I64, I64, F64]:
    """Return month index, period index and working-day weight of every day of the story."""
    days = np.datetime64(START.isoformat()) + np.arange(N_DAYS)
    month = days.astype("datetime64[M]").astype(np.int64) - np.datetime64("2026-01", "M").astype(np.int64)
    period = np.searchsorted(PERIOD_STARTS, np.arange(N_DAYS), side="right") - 1
    weekday = (START.weekday() + np.arange(N_DAYS)) % 7
    weight = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.04, 0.02))
    weight[[day_of(h) for h in HOLIDAYS]] = 0.08
    return month, period.astype(np.int64), weight


MONTH, PERIOD, DAY_WEIGHT = _calendar()
MONTH_START = np.array([day_of(date(2026, m, 1)) for m in range(1, N_MONTHS + 1)])


@dataclass
class Users:
    """Every person of the story; arrays are indexed by user, users are grouped by cohort."""

    email: pl.Series
    cohort: I64
    role: list[str]
    granted: I64  # first day of access (day index)
    revoked: I64  # first day without access, NEVER when access is kept
    propensity: F64  # relative share of the cohort's use; 0 for users who never use the tool
    late: BOOL
    reviewers: I64

    @property
    def department(self) -> I64:
        """Return each user's department index."""
        return COHORT_DEPARTMENT[self.cohort]

    @property
    def rostered(self) -> BOOL:
        """Return which users appear in the roster export."""
        return COHORT_KIND[self.cohort] != 2


@dataclass
class Chunk:
    """Usage rows of some whole days, sorted by time, as arrays the other datasets derive from."""

    day: I64
    occurred: I64  # epoch seconds
    user: I64
    period: I64
    use_case: I64
    interactions: I64
    action: I64  # index into ACTIONS; the last one is empty
    cost: F64 = field(default_factory=lambda: np.empty(0))


@dataclass
class Totals:
    """Running counts and the small aggregates kept while usage is streamed to disk."""

    usage_cost: F64  # (month, department or "not rostered", use case)
    user_months: list[tuple[I64, I64, I64]] = field(default_factory=list)  # key, first day, use case
    incidents: list[pl.DataFrame] = field(default_factory=list)
    usage: int = 0
    reviews: int = 0
    tickets: int = 0


def _emails(rng: np.random.Generator, n: int) -> pl.Series:
    """Return distinct firstname.lastname@example.org addresses; a number keeps large sets distinct."""
    pairs = len(FIRST_NAMES) * len(LAST_NAMES)
    picks = rng.choice(pairs * math.ceil(n / pairs), size=n, replace=False)
    suffix, pair = np.divmod(picks, pairs)
    first, last = np.divmod(pair, len(LAST_NAMES))
    frame = pl.DataFrame(
        {"f": pl.Series(FIRST_NAMES).gather(first), "l": pl.Series(LAST_NAMES).gather(last), "s": suffix + 1}
    )
    number = pl.when(pl.col("s") > 1).then(pl.col("s").cast(pl.String)).otherwise(pl.lit(""))
    return frame.select(pl.format("{}.{}{}@example.org", "f", "l", number)).to_series().alias("email")


def _users(rng: np.random.Generator, usage_rows: int) -> Users:
    """Build the people of the story, scaled to about one user per ROWS_PER_USER usage rows."""
    factor = max(1.0, min(usage_rows / ROWS_PER_USER, MAX_USERS) / DEMO_USERS)
    sizes = [max(1, round(c.size * factor)) for c in COHORTS]
    n = sum(sizes)
    cohort = np.repeat(np.arange(len(COHORTS)), sizes)
    granted = np.empty(n, np.int64)
    revoked = np.full(n, NEVER, np.int64)
    propensity = rng.lognormal(0.0, 0.6, n)  # a few heavy users, many moderate ones
    late = np.zeros(n, bool)
    roles: list[str] = []
    start = 0
    for c, size in zip(COHORTS, sizes, strict=True):
        granted[start : start + size] = day_of(c.granted)
        if c.revoked is not None:
            revoked[start : start + size] = day_of(c.revoked)
        # E-mails are drawn at random, so the leading members of a cohort are a random sample of it.
        n_leave, n_idle, n_late = (round(size * share) for share in (c.leavers, c.inactive, c.late))
        if c.leaver_on is not None:
            revoked[start : start + n_leave] = day_of(c.leaver_on)
        idle = start + n_leave
        propensity[idle : idle + n_idle] = 0.0
        late[idle + n_idle : idle + n_idle + n_late] = True
        roles.extend(np.asarray(c.roles)[rng.integers(0, len(c.roles), size)].tolist())
        start += size
    lawyers = np.flatnonzero(np.isin(cohort, [0, 2]) & (revoked == NEVER) & (propensity > 0))
    reviewers = np.sort(rng.choice(lawyers, size=max(3, round(n / 12)), replace=False))
    for r in reviewers:
        roles[r] = "senior lawyer"
    return Users(_emails(rng, n), cohort, roles, granted, revoked, propensity, late, reviewers)


def _cell_counts(rng: np.random.Generator, users: Users, usage_rows: int) -> I64:
    """Split the usage rows over (day, cohort): propensity with access x intensity x working-day weight."""
    active = np.zeros((len(COHORTS), N_DAYS + 1))
    np.add.at(active, (users.cohort, np.minimum(users.granted, N_DAYS)), users.propensity)
    np.add.at(active, (users.cohort, np.minimum(users.revoked, N_DAYS)), -users.propensity)
    active = np.cumsum(active, axis=1)[:, :N_DAYS]
    active[active < 1e-9] = 0.0  # rounding residue after the last user left must not attract rows
    intensity = np.array([c.intensity for c in COHORTS])[:, MONTH]
    weight = (active * intensity * DAY_WEIGHT).T
    return rng.multinomial(usage_rows, (weight / weight.sum()).ravel()).reshape(weight.shape)


def _pick(rng: np.random.Generator, mix: F64, n: int | None = None) -> I64:
    """Draw a category index per row of `mix`, or n draws from `mix` when it is a single row."""
    cum = np.cumsum(mix, axis=-1)
    if n is not None:
        return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(mix) - 1)
    draws = rng.random(len(mix))[:, None]
    return np.minimum((draws >= cum / cum[:, -1:]).sum(axis=1), mix.shape[1] - 1)


def _rows_by_rate(rng: np.random.Generator, group: I64, rate: F64) -> I64:
    """Pick exactly round(rows x rate) rows of each group, so small demo counts are not left to chance."""
    picked = [np.empty(0, np.int64)]
    for g, share in enumerate(rate):
        rows = np.flatnonzero(group == g)
        picked.append(rng.choice(rows, size=round(len(rows) * share), replace=False))
    return np.sort(np.concatenate(picked))


def _ids(prefix: str, start: int, n: int, width: int) -> pl.Series:
    """Return sequential keys like E0000001, numbered from start + 1."""
    number = pl.int_range(start + 1, start + n + 1).cast(pl.String).str.zfill(width)
    return pl.select(pl.format(f"{prefix}{{}}", number)).to_series()


def _ts(seconds: I64) -> pl.Series:
    return pl.from_epoch(pl.Series(seconds), time_unit="s")


def _round_half(x: F64) -> F64:
    return np.round(x * 2) / 2


def _with_nulls(values: F64, rng: np.random.Generator, share: float) -> pl.Series:
    """Return a float column with a share of empty cells."""
    return pl.Series(values).set(pl.Series(rng.random(len(values)) < share), None)


def _labels(names: tuple[str | None, ...], index: I64) -> pl.Series:
    return pl.Series(names, dtype=pl.String).gather(index)


def _chunks(counts: I64) -> Iterator[tuple[int, I64]]:
    """Yield groups of whole days holding about CHUNK_ROWS usage rows each."""
    per_day = counts.sum(axis=1)
    chunk_of_day = (np.cumsum(per_day) - per_day) // CHUNK_ROWS
    for k in np.unique(chunk_of_day):
        yield int(k), np.flatnonzero(chunk_of_day == k)


def _choose_users(rng: np.random.Generator, users: Users, day: I64, cohort: I64) -> I64:
    """Pick for each row a user of its cohort, weighted by propensity, with access on its day."""
    cum = np.concatenate([[0.0], np.cumsum(users.propensity)])
    bounds = np.searchsorted(users.cohort, np.arange(len(COHORTS) + 1))
    low, total = cum[bounds[:-1]], cum[bounds[1:]] - cum[bounds[:-1]]
    user = np.empty(len(day), np.int64)
    todo = np.arange(len(day))
    while len(todo):  # rejection sampling: only rows that drew someone without access are drawn again
        c = cohort[todo]
        u = np.searchsorted(cum, low[c] + rng.random(len(todo)) * total[c], side="right") - 1
        u = np.clip(u, bounds[c], bounds[c + 1] - 1)
        ok = (users.granted[u] <= day[todo]) & (day[todo] < users.revoked[u]) & (users.propensity[u] > 0)
        user[todo[ok]] = u[ok]
        todo = todo[~ok]
    return user


def _usage_chunk(rng: np.random.Generator, users: Users, counts: I64, days: I64) -> Chunk:
    """Draw the usage rows of some whole days."""
    n_cohorts = len(COHORTS)
    reps = counts[days].ravel()
    day = np.repeat(np.repeat(days, n_cohorts), reps)
    cohort = np.repeat(np.tile(np.arange(n_cohorts), len(days)), reps)
    occurred = (
        EPOCH0 + day * 86_400 + rng.triangular(7.5 * 3600, 13 * 3600, 19 * 3600, len(day)).astype(np.int64)
    )
    order = np.argsort(occurred, kind="stable")
    day, cohort, occurred = day[order], cohort[order], occurred[order]
    period = PERIOD[day]
    return Chunk(
        day=day,
        occurred=occurred,
        user=_choose_users(rng, users, day, cohort),
        period=period,
        use_case=_pick(rng, UC_MIX[COHORT_KIND[cohort], period]),
        interactions=_pick(rng, INTERACTION_MIX, len(day)) + 1,
        action=_pick(rng, ACTION_MIX[period]),
    )


def _reviews(
    rng: np.random.Generator,
    chunk: Chunk,
    users: Users,
    event_ids: pl.Series,
    *,
    scale: float,
    first_id: int,
    width: int,
) -> pl.DataFrame:
    """Review a sample of the chunk's outputs; a review's verdict also settles the row's output_action."""
    rows = np.flatnonzero(rng.random(len(chunk.day)) < REVIEW_SHARE[chunk.period] * scale)
    period, use_case, n = chunk.period[rows], chunk.use_case[rows], len(rows)
    error = rng.random(n) < np.minimum(ERROR_RATE[period] * np.where(NEVER_APPROVED[use_case], 2.0, 1.0), 0.9)
    outcome = np.where(error, np.where(rng.random(n) < 0.25, 2, 1), 0)
    severe = error & (rng.random(n) < SEVERE_RATE[period] / ERROR_RATE[period])
    severity = np.where(severe, np.where(rng.random(n) < 0.2, 3, 2), np.where(error, 1, 0))
    approval = APPROVAL_FIRST[period]
    delay = np.where(approval, rng.uniform(600, 6 * 3600, n), rng.uniform(3600, 3 * 86_400, n))
    review_minutes = _round_half(np.where(approval, 5.0, 3.5) * rng.lognormal(0, 0.4, n)).clip(0.5)
    rework_minutes = _round_half(
        np.select([outcome == 1, outcome == 2], [8.0, 20.0], 0.0) * rng.lognormal(0, 0.5, n)
    )
    action = chunk.action[rows]
    chunk.action[rows] = np.select([outcome == 2, outcome == 1, action == 2], [2, 1, 0], action)
    reviewer = users.reviewers[rng.integers(0, len(users.reviewers), n)]
    return pl.DataFrame(
        {
            "review_id": _ids("R", first_id, n, width),
            "reviewed_at": _ts(np.minimum(chunk.occurred[rows] + delay.astype(np.int64), END_TS)),
            "use_case": _labels(USE_CASES, use_case),
            "outcome": _labels(OUTCOMES, outcome),
            "event_id": event_ids.gather(rows),
            "reviewer_id": users.email.gather(reviewer),
            "error_severity": _labels(SEVERITIES, severity).set(
                pl.Series((severity == 0) & (rng.random(n) < 0.08)), None
            ),
            "error_type": _labels(ERROR_TYPES, rng.integers(0, len(ERROR_TYPES), n)).set(
                pl.Series(~error), None
            ),
            "review_minutes": _with_nulls(review_minutes, rng, 0.03),
            "rework_minutes": _with_nulls(rework_minutes, rng, 0.03),
        }
    )


def _usage(rng: np.random.Generator, chunk: Chunk, users: Users, event_ids: pl.Series) -> pl.DataFrame:
    """Build the usage export of a chunk; some minutes_saved stay empty so the plan's default applies."""
    use_case, action, n = chunk.use_case, chunk.action, len(chunk.day)
    minutes = MINUTES_SAVED[use_case] * rng.lognormal(0, 0.35, n) * np.where(action == 1, 0.75, 1.0)
    minutes = np.where((action == 2) | (action == 3), 0.0, _round_half(minutes))
    chunk.cost = np.round(COST_PER_INTERACTION[use_case] * chunk.interactions * rng.lognormal(0, 0.25, n), 4)
    return pl.DataFrame(
        {
            "occurred_at": _ts(chunk.occurred),
            "user_id": users.email.gather(chunk.user),
            "use_case": _labels(USE_CASES, use_case),
            "event_id": event_ids,
            "interactions": chunk.interactions,
            "output_action": _labels(ACTIONS, action),
            "minutes_saved": _with_nulls(minutes, rng, 0.15),
            "cost": chunk.cost,
        }
    )


def _tickets(
    rng: np.random.Generator, chunk: Chunk, users: Users, rate: F64, *, first_id: int, width: int
) -> pl.DataFrame:
    """Raise support tickets shortly after some uses; topics recur, typed with varying case and spaces."""
    rows = _rows_by_rate(rng, MONTH[chunk.day], rate)
    n = len(rows)
    category = _pick(rng, TICKET_MIX[chunk.period[rows]])
    sizes = np.array([len(t) for t in TOPICS])
    topic = np.cumsum(sizes)[category] - sizes[category] + (rng.random(n) * sizes[category]).astype(np.int64)
    opened = np.minimum(chunk.occurred[rows] + rng.integers(120, 5400, n), END_TS)
    closed = opened + (3600 * rng.lognormal(np.log(5), 1.0, n).clip(0.2, 240)).astype(np.int64)
    # A few tickets wait on the vendor; many of the last ten days are still open when the exports are taken.
    recent = opened > END_TS - 10 * 86_400
    is_closed = (closed <= END_TS) & (rng.random(n) > np.where(recent, 0.6, 0.02))
    frame = pl.DataFrame(
        {
            "ticket_id": _ids("T", first_id, n, width),
            "opened_at": _ts(opened),
            "category": _labels(TICKET_CATEGORIES, category),
            "user_id": users.email.gather(chunk.user[rows]),
            "closed_at": _ts(closed).set(pl.Series(~is_closed), None),
            "status": np.where(is_closed, "closed", np.where(rng.random(n) < 0.6, "open", "in progress")),
            "topic": _labels(tuple(t for group in TOPICS for t in group), topic),
            "handling_minutes": _with_nulls(np.round(15 * rng.lognormal(0, 0.6, n), 1), rng, 0.05),
            "variant": rng.choice(3, size=n, p=[0.68, 0.2, 0.12]),
        }
    )
    topic_col, variant = pl.col("topic"), pl.col("variant")
    spaced = topic_col.str.replace(" ", "  ", literal=True, n=1) + pl.lit(" ")
    return frame.with_columns(
        pl.when(variant == 1)
        .then(topic_col.str.to_lowercase())
        .when(variant == 2)
        .then(spaced)
        .otherwise(topic_col)
        .alias("topic")
    ).drop("variant")


def _bench_incidents(rng: np.random.Generator, chunk: Chunk) -> pl.DataFrame:
    """Draw minor background incidents in proportion to usage (benchmark only)."""
    rows = np.flatnonzero(rng.random(len(chunk.day)) < BENCH_INCIDENT_RATE)
    n = len(rows)
    reported = np.minimum(chunk.occurred[rows] + rng.integers(600, 86_400, n), END_TS)
    resolved = reported + rng.integers(3600, 10 * 86_400, n)
    still_open = (resolved > END_TS) | (rng.random(n) < 0.03)
    medium = rng.random(n) < 0.3
    descriptions = (
        "Output needed correction after use",
        "Reported by a reviewer",
        "Raised through the support desk",
    )
    return pl.DataFrame(
        {
            "incident_id": pl.Series([None] * n, dtype=pl.String),
            "reported_at": _ts(reported),
            "category": _labels(BENCH_INCIDENT_CATEGORIES, _pick(rng, BENCH_INCIDENT_MIX, n)),
            "severity": np.where(medium, "medium", "low"),
            "use_case": _labels(USE_CASES, chunk.use_case[rows]),
            "output_used": rng.random(n) < 0.3,
            "people_affected": rng.poisson(1.0, n),
            "description": _labels(descriptions, rng.integers(0, 3, n)),
            "correction": _labels((None, "Corrected in review", "Template updated"), rng.integers(0, 3, n)),
            "escalated": medium & (rng.random(n) < 0.2),
            "status": np.where(still_open, "open", "resolved"),
            "resolved_at": _ts(resolved).set(pl.Series(still_open), None),
        }
    )


def _write(frame: pl.DataFrame, handle: IO[bytes], *, header: bool = True) -> None:
    frame.write_csv(handle, include_header=header, datetime_format=TS_FORMAT, date_format="%Y-%m-%d")


def _stream_usage(seed: int, users: Users, counts: I64, paths: dict[str, Path], *, bench: bool) -> Totals:
    """Write usage, reviews and support chunk by chunk, keeping only small aggregates in memory."""
    usage_rows = int(counts.sum())
    width = max(7, len(str(usage_rows)))
    expected_reviews = float((counts.sum(axis=1) * REVIEW_SHARE[PERIOD]).sum())
    review_scale = min(1.0, BENCH_REVIEW_SHARE * usage_rows / expected_reviews) if bench else 1.0
    # Tickets follow people more than clicks: keep tickets per user near the demo's level.
    users_per_row = len(users.email) / usage_rows / (DEMO_USERS / DEMO_USAGE_ROWS)
    ticket_rate = TICKET_RATE * (min(1.0, users_per_row) if bench else 1.0)
    ticket_width = max(5, len(str(round(usage_rows * ticket_rate.max()) + 1)))
    department = np.where(users.rostered, users.department, len(DEPARTMENTS))
    totals = Totals(np.zeros((N_MONTHS, len(DEPARTMENTS) + 1, len(USE_CASES))))
    with (
        paths["usage"].open("wb") as usage_file,
        paths["reviews"].open("wb") as reviews_file,
        paths["support"].open("wb") as support_file,
    ):
        for k, days in _chunks(counts):
            rng = np.random.default_rng([seed, 1000 + k])  # per chunk: the output never depends on memory
            chunk = _usage_chunk(rng, users, counts, days)
            n = len(chunk.day)
            event_ids = _ids("E", totals.usage, n, width)
            reviews = _reviews(
                rng, chunk, users, event_ids, scale=review_scale, first_id=totals.reviews, width=width
            )
            usage = _usage(rng, chunk, users, event_ids)
            tickets = _tickets(rng, chunk, users, ticket_rate, first_id=totals.tickets, width=ticket_width)
            _write(usage, usage_file, header=k == 0)
            _write(reviews, reviews_file, header=k == 0)
            _write(tickets, support_file, header=k == 0)
            totals.usage += n
            totals.reviews += reviews.height
            totals.tickets += tickets.height

            month = MONTH[chunk.day]
            cell = (month * (len(DEPARTMENTS) + 1) + department[chunk.user]) * len(USE_CASES) + chunk.use_case
            spent = np.bincount(cell, weights=chunk.cost, minlength=totals.usage_cost.size)
            totals.usage_cost += spent.reshape(totals.usage_cost.shape)
            user_month = chunk.user * N_MONTHS + month
            _, first = np.unique(user_month, return_index=True)
            totals.user_months.append((user_month[first], chunk.day[first], chunk.use_case[first]))
            if bench:
                totals.incidents.append(_bench_incidents(rng, chunk))
    return totals


def _dates(days: I64) -> pl.Series:
    return pl.Series(np.datetime64(START.isoformat()) + days).cast(pl.Date)


def _roster(users: Users) -> pl.DataFrame:
    keep = users.rostered
    revoked = users.revoked[keep]
    return pl.DataFrame(
        {
            "user_id": users.email.filter(pl.Series(keep)),
            "department": _labels(DEPARTMENTS, users.department[keep]),
            "access_granted_on": _dates(users.granted[keep]),
            "role": np.asarray(users.role)[keep],
            "access_revoked_on": _dates(np.minimum(revoked, N_DAYS - 1)).set(
                pl.Series(revoked == NEVER), None
            ),
        }
    ).sort("access_granted_on", "user_id")


def _training(rng: np.random.Generator, users: Users) -> pl.DataFrame:
    """Record module completions: before access for most, after first use for the late few."""
    kind = COHORT_KIND[users.cohort]
    planned = np.flatnonzero(kind == 0)
    first = np.where(users.late, users.granted + 7, np.maximum(users.granted - 12, 0))
    last = np.where(users.late, users.granted + 25, users.granted)
    user = np.repeat(planned, len(BASE_MODULES))
    module = np.tile(np.arange(len(BASE_MODULES)), len(planned))
    day = first[user] + (rng.random(len(user)) * (last[user] - first[user] + 1)).astype(np.int64)
    # About half of the out-of-plan grants took the first module only.
    drift = np.flatnonzero((kind == 1) & (rng.random(len(kind)) < 0.5))
    # The extra-review module, for everyone in the plan who still has access when that stage starts.
    extra = planned[users.revoked[planned] > EXTRA_REVIEW_STARTS]
    extra_late = rng.random(len(extra)) < 0.08
    extra_day = EXTRA_REVIEW_STARTS + np.where(
        extra_late, rng.integers(5, 24, len(extra)), rng.integers(-9, 3, len(extra))
    )
    user = np.concatenate([user, drift, extra])
    module = np.concatenate([module, np.zeros(len(drift), np.int64), np.full(len(extra), len(BASE_MODULES))])
    day = np.concatenate([day, users.granted[drift] + rng.integers(0, 10, len(drift)), extra_day])
    return pl.DataFrame(
        {
            "user_id": users.email.gather(user),
            "module": _labels(MODULES, module),
            "completed_on": _dates(np.minimum(day, N_DAYS - 1)),
            "score": np.round(rng.normal(86, 7, len(user)).clip(55, 100), 1),
        }
    ).sort("completed_on", "user_id", "module")


def _costs(users: Users, usage_cost: F64, training: pl.DataFrame) -> pl.DataFrame:
    """Build monthly cost lines: seats, usage and training per department; infrastructure and support."""
    scale = len(users.email) / DEMO_USERS
    month_end = np.append(MONTH_START[1:], N_DAYS)
    department_of = dict(zip(users.email.to_list(), users.department.tolist(), strict=True))
    completions = training.group_by(
        (pl.col("completed_on").dt.month() - 1).alias("m"),
        pl.col("user_id").replace_strict(department_of).alias("d"),
    ).len()
    trained = {(m, d): count for m, d, count in completions.iter_rows()}
    lines: list[tuple[str, str, float, str | None, str | None, str]] = []
    for m in range(N_MONTHS):
        month = f"2026-{m + 1:02d}"
        seated = users.rostered & (users.granted < month_end[m]) & (users.revoked > MONTH_START[m])
        seats = np.bincount(users.department[seated], minlength=len(DEPARTMENTS))
        for d, name in enumerate(DEPARTMENTS):
            lines.append(
                (month, "licence", seats[d] * SEAT_PRICE, name, None, f"Seat licences ({seats[d]} seats)")
            )
            completed = trained.get((m, d), 0)
            lines.append((month, "training", completed * TRAINING_PRICE, name, None, "E-learning modules"))
        department: str | None
        for d, department in enumerate((*DEPARTMENTS, None)):
            text = "Model usage billed by the vendor" if department else "Model usage by accounts not in the roster"
            lines.extend(
                (month, "usage", usage_cost[m, d, u], department, uc, text) for u, uc in enumerate(USE_CASES)
            )
        for category, text, pilot, later in FIXED_COSTS:
            lines.append((month, category, (pilot if m < 3 else later) * scale, None, None, text))
        if m == 3:
            lines.append(
                (month, "other", 350.0 * scale, None, None, "External review of the vendor's data terms")
            )
    frame = pl.DataFrame(
        lines, schema=["month", "category", "amount", "department", "use_case", "description"], orient="row"
    )
    frame = frame.with_columns(pl.col("amount").round(2)).filter(pl.col("amount") > 0)
    width = max(4, len(str(frame.height)))
    return frame.with_columns(_ids("L", 0, frame.height, width).alias("line_id"), currency=pl.lit("EUR"))


def _incidents(extra: list[pl.DataFrame]) -> pl.DataFrame:
    """Return the story's incidents, plus any benchmark background ones, numbered in time order."""
    story = pl.DataFrame(
        STORY_INCIDENTS,
        schema={
            "reported_at": pl.String,
            "category": pl.String,
            "severity": pl.String,
            "use_case": pl.String,
            "output_used": pl.Boolean,
            "people_affected": pl.Int64,
            "description": pl.String,
            "correction": pl.String,
            "escalated": pl.Boolean,
            "status": pl.String,
            "resolved_at": pl.String,
        },
        orient="row",
    ).with_columns(
        pl.lit(None, pl.String).alias("incident_id"),
        pl.col("reported_at", "resolved_at").str.to_datetime(TS_FORMAT, time_unit="us"),
    )
    columns = COLUMNS["incidents"]
    incidents = pl.concat([story.select(columns), *(f.select(columns) for f in extra)])
    incidents = incidents.sort("reported_at", maintain_order=True)
    width = max(4, len(str(incidents.height)))
    return incidents.with_columns(_ids("INC", 0, incidents.height, width).alias("incident_id"))


def _feedback(rng: np.random.Generator, users: Users, totals: Totals) -> pl.DataFrame:
    """Run a monthly pulse survey: users active in a month may answer late in that month."""
    keys, first_day, use_case = (np.concatenate(parts) for parts in zip(*totals.user_months, strict=True))
    _, first = np.unique(keys, return_index=True)  # chunks are chronological: the first is the earliest
    keys, first_day, use_case = keys[first], first_day[first], use_case[first]
    user, month = np.divmod(keys, N_MONTHS)
    day = np.maximum(MONTH_START[month] + rng.integers(21, 28, len(keys)), first_day)
    answer = rng.random(len(keys)) < RESPONSE_RATE[PERIOD[day]]
    user, day, use_case = user[answer], day[answer], use_case[answer]
    n = len(user)
    satisfaction = _pick(rng, SATISFACTION_MIX[PERIOD[day]]) + 1
    submitted = EPOCH0 + day * 86_400 + rng.integers(9 * 3600, 17 * 3600, n)
    band = np.select([satisfaction <= 2, satisfaction == 3], [0, 1], 2)
    sizes = np.array([len(c) for c in COMMENTS])
    comment = np.cumsum(sizes)[band] - sizes[band] + (rng.random(n) * sizes[band]).astype(np.int64)
    frame = pl.DataFrame(
        {
            "submitted_at": _ts(submitted),
            "satisfaction": satisfaction,
            "user_id": users.email.gather(user),
            "use_case": _labels(USE_CASES, use_case),
            "comment": _labels(tuple(c for group in COMMENTS for c in group), comment).set(
                pl.Series(rng.random(n) > 0.4), None
            ),
        }
    ).sort("submitted_at", maintain_order=True)
    return frame.with_columns(_ids("F", 0, n, max(5, len(str(n)))).alias("response_id"))


def generate(out_dir: Path, usage_rows: int | None = None, seed: int = 7) -> dict[str, Path]:
    """Write the eight canonical CSV exports into out_dir and return their paths by dataset.

    Without usage_rows this is the small demo; more rows than the demo scales the same story
    up for benchmarks (more users, reviews at about 5% of usage, tickets and incidents in proportion).
    """
    rows = DEMO_USAGE_ROWS if usage_rows is None else usage_rows
    if rows < 1:
        raise ValueError("usage_rows must be at least 1")
    bench = rows > DEMO_USAGE_ROWS
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in DATASETS}
    rng = np.random.default_rng(seed)
    users = _users(rng, rows)
    counts = _cell_counts(rng, users, rows)
    training = _training(rng, users)
    totals = _stream_usage(seed, users, counts, paths, bench=bench)
    frames = {
        "roster": _roster(users),
        "training": training,
        "costs": _costs(users, totals.usage_cost, training),
        "incidents": _incidents(totals.incidents),
        "feedback": _feedback(rng, users, totals),
    }
    for name, frame in frames.items():
        with paths[name].open("wb") as handle:
            _write(frame.select(COLUMNS[name]), handle)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Run the generator from the command line."""
    parser = argparse.ArgumentParser(description="Write Rollgate's demo (or benchmark) CSV exports.")
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
    parser.add_argument(
        "--usage-rows",
        type=int,
        default=None,
        help=f"usage rows (default: the small demo, {DEMO_USAGE_ROWS})",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.out, args.usage_rows, args.seed)
    size = sum(p.stat().st_size for p in paths.values()) / 1e6
    print(f"wrote {len(paths)} files ({size:.1f} MB) to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
