"""Demo and benchmark exports for Rollgate.

Writes one CSV per canonical dataset (DESIGN.md §2) telling the story of DESIGN.md §8: a
"Contract drafting assistant" piloted in legal-ops from 2026-01-05, rolled out to legal,
legal-ops and procurement from 2026-04-01 (scope drift grows, a data exposure in mid-June
fires the pause trigger), then run with extra review from 2026-07-15.

    python data/generate.py --out data/demo                     # the committed small demo
    python data/generate.py --out /tmp/bench --usage-rows 10000000

Everything is vectorised with numpy and polars; usage is produced and written in chunks of
whole days so ten million rows stay within a modest memory budget. The output depends only
on the seed and the row count.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl
from numpy.typing import NDArray

DATASETS = ("roster", "training", "usage", "reviews", "costs", "incidents", "support", "feedback")

# Canonical column order of DESIGN.md §2: required columns, then optional ones.
COLUMNS: dict[str, tuple[str, ...]] = {
    "roster": ("user_id", "department", "access_granted_on", "role", "access_revoked_on"),
    "training": ("user_id", "module", "completed_on", "score"),
    "usage": (
        "occurred_at", "user_id", "use_case", "event_id", "interactions", "output_action",
        "minutes_saved", "cost",
    ),
    "reviews": (
        "review_id", "reviewed_at", "use_case", "outcome", "event_id", "reviewer_id",
        "error_severity", "error_type", "review_minutes", "rework_minutes",
    ),
    "costs": ("month", "category", "amount", "line_id", "currency", "department", "use_case", "description"),
    "incidents": (
        "incident_id", "reported_at", "category", "severity", "use_case", "output_used",
        "people_affected", "description", "correction", "escalated", "status", "resolved_at",
    ),
    "support": ("ticket_id", "opened_at", "category", "user_id", "closed_at", "status", "topic", "handling_minutes"),
    "feedback": ("response_id", "submitted_at", "satisfaction", "user_id", "use_case", "comment"),
}

DEMO_USAGE_ROWS = 4000
ROWS_PER_USER = 200  # benchmark scale: about one user per 200 usage rows
MAX_USERS = 50_000
CHUNK_ROWS = 1_000_000
BENCH_REVIEW_SHARE = 0.05

START = date(2026, 1, 1)
END = date(2026, 9, 30)
N_DAYS = (END - START).days + 1
N_MONTHS = 9
EPOCH0 = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
END_TS = EPOCH0 + N_DAYS * 86_400 - 1
NEVER = 10_000  # day index standing for "no revocation"
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

DEPARTMENTS = ("legal-ops", "legal", "procurement", "sales", "finance")
USE_CASES = ("drafting", "summarise", "clause_review", "translation", "negotiation_email")
UNAPPROVED_EVERYWHERE = np.array([False, False, False, True, True])  # no stage approves these
MINUTES_SAVED = np.array([12.0, 8.0, 10.0, 6.0, 5.0])  # typical minutes saved per interaction
COST_PER_INTERACTION = np.array([0.035, 0.05, 0.03, 0.04, 0.02])
BASE_MODULES = ("purpose", "limits", "data_rules", "review", "escalation", "issue_reporting")
EXTRA_MODULE = "extra_review"
MODULES = (*BASE_MODULES, EXTRA_MODULE)
SEAT_PRICE = 30.0
TRAINING_PRICE = 7.5  # per module completion
HOLIDAYS = (date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
            date(2026, 5, 25))


def day_of(d: date) -> int:
    """Index of a date counted from 2026-01-01."""
    return (d - START).days


# Periods of the story: pilot, April, May, June, July before the extra-review stage, recovery.
PERIOD_STARTS = np.array([0, day_of(date(2026, 4, 1)), day_of(date(2026, 5, 1)), day_of(date(2026, 6, 1)),
                          day_of(date(2026, 7, 1)), day_of(date(2026, 7, 15))])
PILOT, APR, MAY, JUN, JUL, RECOVERY = range(6)
APPROVAL_FIRST = np.array([True, False, False, False, False, True])  # review mode of the stage in force

# Use-case mix by cohort kind (legit, drift, contractor) and period; columns follow USE_CASES.
UC_MIX = np.array([
    [[0.560, 0.425, 0.010, 0.005, 0.000],
     [0.420, 0.300, 0.250, 0.020, 0.010],
     [0.400, 0.280, 0.240, 0.050, 0.030],
     [0.370, 0.260, 0.230, 0.080, 0.060],
     [0.380, 0.270, 0.240, 0.070, 0.040],
     [0.450, 0.300, 0.235, 0.010, 0.005]],
    [[0.350, 0.150, 0.050, 0.050, 0.400]] * 6,
    [[0.500, 0.300, 0.200, 0.000, 0.000]] * 6,
])
# output_action mix by period: accepted, edited, rejected, discarded, (empty).
ACTION_MIX = np.array([
    [0.52, 0.33, 0.04, 0.04, 0.07],
    [0.48, 0.33, 0.06, 0.06, 0.07],
    [0.45, 0.32, 0.08, 0.08, 0.07],
    [0.40, 0.32, 0.11, 0.10, 0.07],
    [0.45, 0.32, 0.08, 0.08, 0.07],
    [0.51, 0.34, 0.05, 0.03, 0.07],
])
ACTIONS = ("accepted", "edited", "rejected", "discarded")
INTERACTION_MIX = np.array([0.42, 0.27, 0.16, 0.10, 0.05])
REVIEW_SHARE = np.array([0.55, 0.20, 0.20, 0.20, 0.20, 0.50])  # approval_first reviews most outputs
ERROR_RATE = np.array([0.030, 0.060, 0.090, 0.170, 0.120, 0.040])
SEVERE_RATE = np.array([0.003, 0.010, 0.025, 0.090, 0.040, 0.006])
ERROR_TYPES = ("factual", "missing_clause", "wrong_jurisdiction", "outdated_reference", "tone", "formatting",
               "confidential_data")
REVIEW_OUTCOMES = ("approved", "corrected", "rejected")
SEVERITIES = ("none", "minor", "major", "critical")

TICKET_RATE = np.array([0.010, 0.020, 0.018, 0.024, 0.020, 0.012])  # tickets per usage row
TICKET_CATEGORIES = ("how_to", "allowed_use", "data_rules", "review", "access", "output_quality", "bug", "other")
TICKET_MIX = np.array([
    [0.45, 0.00, 0.05, 0.15, 0.10, 0.15, 0.07, 0.03],
    [0.35, 0.15, 0.10, 0.00, 0.20, 0.10, 0.05, 0.05],
    [0.15, 0.25, 0.25, 0.10, 0.05, 0.15, 0.05, 0.00],
    [0.10, 0.25, 0.30, 0.10, 0.05, 0.15, 0.05, 0.00],
    [0.15, 0.25, 0.20, 0.15, 0.05, 0.15, 0.05, 0.00],
    [0.20, 0.05, 0.10, 0.30, 0.10, 0.15, 0.05, 0.05],
])
TOPICS: tuple[tuple[str, ...], ...] = (
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
])
COMMENTS: tuple[tuple[str, ...], ...] = (
    ("Too many corrections needed, I redo most drafts by hand", "Not sure what I am allowed to paste",
     "Summaries miss key clauses"),
    ("Useful for first drafts, reviews take long", "OK for summaries, weak on clause checks"),
    ("Saves me an hour a day on standard NDAs", 'Good drafts, but "shall" vs "may" needs care',
     "Très utile pour les résumés – clear and quick", "The playbook check is great"),
)


@dataclass(frozen=True)
class Cohort:
    """A group of users who got access together and behave alike."""

    department: str
    roles: tuple[str, ...]
    size: int  # users in the demo; scaled for benchmarks
    granted: date
    intensity: tuple[float, ...]  # relative use per working day, January..September
    kind: int = 0  # 0 within the plan, 1 drift (a department no stage approves), 2 not in the roster
    revoked: date | None = None  # the whole cohort loses access (withdrawn grants)
    leaver_on: date | None = None
    leavers: float = 0.0  # share of the cohort revoked on leaver_on
    inactive: float = 0.0  # share that never uses the tool
    late: float = 0.0  # share that trains only after first use


_LEGAL_ROLES = ("lawyer", "senior lawyer", "paralegal")
_WAVE = (0.0, 0.0, 0.0, 0.55, 0.65, 0.70, 0.65, 0.55, 0.70)
COHORTS = (
    Cohort("legal-ops", ("contract manager", "paralegal", "lawyer"), 16, date(2026, 1, 5),
           (1.0, 1.1, 1.15, 1.0, 1.0, 1.0, 0.95, 0.85, 1.0), leaver_on=date(2026, 3, 20), leavers=0.07,
           late=0.125),
    Cohort("legal-ops", ("contract manager", "paralegal"), 4, date(2026, 4, 1), _WAVE),
    Cohort("legal", _LEGAL_ROLES, 18, date(2026, 4, 1), _WAVE, leaver_on=date(2026, 6, 30), leavers=0.06,
           inactive=0.12, late=0.12),
    Cohort("procurement", ("buyer", "category manager"), 10, date(2026, 4, 1), _WAVE,
           leaver_on=date(2026, 8, 14), leavers=0.1, inactive=0.1),
    Cohort("sales", ("account executive",), 6, date(2026, 5, 4), (0, 0, 0, 0, 0.8, 1.0, 1.0, 0, 0), kind=1,
           revoked=date(2026, 7, 15)),
    Cohort("finance", ("analyst",), 3, date(2026, 5, 18), (0, 0, 0, 0, 0.8, 1.0, 1.0, 0, 0), kind=1,
           revoked=date(2026, 7, 15)),
    Cohort("legal", ("contractor",), 2, date(2026, 5, 11), (0, 0, 0, 0, 0.4, 0.6, 0, 0, 0), kind=2,
           revoked=date(2026, 7, 1)),
)
DEMO_USERS = sum(c.size for c in COHORTS)

FIRST_NAMES = (
    "anna", "ben", "carla", "david", "elena", "farid", "grace", "hugo", "ines", "jonas", "karin", "lars",
    "maria", "nils", "olga", "pablo", "quinn", "rosa", "sami", "tara", "umar", "vera", "wim", "xenia",
    "yusuf", "zoe", "alice", "bruno", "chloe", "daniel", "emma", "felix", "hanna", "ivan", "julia", "kofi",
    "lena", "marco", "nora", "oscar", "paula", "rafael", "sofia", "tomas", "ursula", "victor", "wanda",
    "yara", "adam", "beatriz", "cem", "dora", "erik", "fatima", "george", "helena", "igor", "jana", "leo",
    "mei",
)
LAST_NAMES = (
    "andersen", "bauer", "costa", "dubois", "eriksen", "fischer", "garcia", "hansen", "ivanova", "jensen",
    "kowalski", "larsen", "meyer", "novak", "oliveira", "petrov", "quint", "rossi", "schmidt", "torres",
    "ucar", "varga", "weber", "xu", "young", "zimmermann", "ahmed", "berg", "claes", "diaz", "engel",
    "ferrari", "gruber", "horvat", "ito", "janssen", "keller", "lindqvist", "moreau", "nagy", "okafor",
    "peeters", "rahman", "santos", "tanaka", "urban", "vos", "wagner", "yilmaz", "zeller", "arnold",
    "bianchi", "conti", "dahl", "eder", "fontaine", "gomez", "holm", "ibrahim", "jovanovic", "kaya",
    "lopez", "martin", "nielsen", "ortiz", "pohl", "riedel", "sousa", "thomsen", "vidal", "walsh", "yoon",
    "zhang", "brandt", "carvalho", "duarte", "falk", "greco", "hoffmann", "kraus",
)

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
BOOL = NDArray[np.bool_]


@dataclass
class Users:
    """Every person in the story; arrays are indexed by user and grouped by cohort."""

    email: list[str]
    cohort: I64
    role: list[str]
    granted: I64  # first day of access (day index)
    revoked: I64  # first day without access, NEVER when access is kept
    propensity: F64  # relative share of the cohort's use; 0 for users who never use the tool
    late: BOOL
    reviewers: I64

    @property
    def department(self) -> I64:
        """Department index of each user."""
        return np.array([DEPARTMENTS.index(c.department) for c in COHORTS])[self.cohort]

    @property
    def rostered(self) -> BOOL:
        """Users who appear in the roster export."""
        return np.array([c.kind != 2 for c in COHORTS])[self.cohort]


def _calendar() -> tuple[I64, I64, F64]:
    """Month index, period index and working-day weight of every day of the story."""
    days = np.datetime64(START.isoformat()) + np.arange(N_DAYS)
    month = days.astype("datetime64[M]").astype(np.int64) - np.datetime64("2026-01", "M").astype(np.int64)
    period = np.searchsorted(PERIOD_STARTS, np.arange(N_DAYS), side="right") - 1
    weekday = (START.weekday() + np.arange(N_DAYS)) % 7
    weight = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.04, 0.02))
    weight[[day_of(h) for h in HOLIDAYS]] = 0.08
    return month, period.astype(np.int64), weight


MONTH, PERIOD, DAY_WEIGHT = _calendar()


def _emails(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct firstname.lastname@example.org addresses; a number keeps large sets distinct."""
    pairs = len(FIRST_NAMES) * len(LAST_NAMES)
    picks = rng.choice(pairs * math.ceil(n / pairs), size=n, replace=False)
    suffix, pair = np.divmod(picks, pairs)
    first, last = np.divmod(pair, len(LAST_NAMES))
    frame = pl.DataFrame({
        "f": pl.Series(FIRST_NAMES).gather(first), "l": pl.Series(LAST_NAMES).gather(last), "s": suffix + 1,
    })
    number = pl.when(pl.col("s") > 1).then(pl.col("s").cast(pl.String)).otherwise(pl.lit(""))
    return frame.select(pl.format("{}.{}{}@example.org", "f", "l", number)).to_series().to_list()


def make_users(rng: np.random.Generator, usage_rows: int) -> Users:
    """Build the people of the story, scaled to about one user per ROWS_PER_USER usage rows."""
    factor = max(1.0, min(usage_rows / ROWS_PER_USER, MAX_USERS) / DEMO_USERS)
    sizes = [max(1, round(c.size * factor)) for c in COHORTS]
    n = sum(sizes)
    cohort = np.repeat(np.arange(len(COHORTS)), sizes)
    granted = np.empty(n, np.int64)
    revoked = np.full(n, NEVER, np.int64)
    propensity = rng.lognormal(0.0, 0.6, n)
    late = np.zeros(n, bool)
    roles: list[str] = []
    start = 0
    for c, size in zip(COHORTS, sizes, strict=True):
        part = slice(start, start + size)
        granted[part] = day_of(c.granted)
        if c.revoked is not None:
            revoked[part] = day_of(c.revoked)
        # Cohort members are in random order (their e-mails are random), so leading positions are a sample.
        n_leave, n_idle, n_late = (round(size * share) for share in (c.leavers, c.inactive, c.late))
        if c.leaver_on is not None:
            revoked[start:start + n_leave] = day_of(c.leaver_on)
        propensity[start + n_leave:start + n_leave + n_idle] = 0.0
        late[start + n_leave + n_idle:start + n_leave + n_idle + n_late] = True
        roles.extend(np.asarray(c.roles)[rng.integers(0, len(c.roles), size)].tolist())
        start += size
    in_law = np.flatnonzero(np.isin(cohort, [0, 2]) & (revoked == NEVER) & (propensity > 0))
    reviewers = np.sort(rng.choice(in_law, size=max(3, round(n / 12)), replace=False))
    for r in reviewers:
        roles[r] = "senior lawyer"
    return Users(_emails(rng, n), cohort, roles, granted, revoked, propensity, late, reviewers)


def _cell_counts(rng: np.random.Generator, users: Users, usage_rows: int) -> I64:
    """Usage rows per (day, cohort): active users' propensity x cohort intensity x working-day weight."""
    n_c = len(COHORTS)
    active = np.zeros((n_c, N_DAYS + 1))
    np.add.at(active, (users.cohort, np.clip(users.granted, 0, N_DAYS)), users.propensity)
    np.add.at(active, (users.cohort, np.clip(users.revoked, 0, N_DAYS)), -users.propensity)
    active = np.cumsum(active, axis=1)[:, :N_DAYS]
    active[active < 1e-9] = 0.0  # rounding residue after the last user left must not attract rows
    intensity = np.array([c.intensity for c in COHORTS])[:, MONTH]
    weight = (active * intensity * DAY_WEIGHT).T  # (day, cohort)
    return rng.multinomial(usage_rows, (weight / weight.sum()).ravel()).reshape(N_DAYS, n_c)


def _pick(rng: np.random.Generator, mix: F64, n: int | None = None) -> I64:
    """Draw one category per row from per-row probability rows (or one shared row when n is given)."""
    cum = np.cumsum(mix, axis=-1)
    if n is not None:
        return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(mix) - 1)
    draws = rng.random(len(mix))[:, None]
    return np.minimum((draws >= cum / cum[:, -1:]).sum(axis=1), mix.shape[1] - 1)


def _rows_by_rate(rng: np.random.Generator, period: I64, rate: F64) -> I64:
    """Exactly round(rows x rate) rows per period, so small demo counts are not left to chance."""
    picked = [np.empty(0, np.int64)]
    for p, share in enumerate(rate):
        rows = np.flatnonzero(period == p)
        picked.append(rng.choice(rows, size=round(len(rows) * share), replace=False))
    return np.sort(np.concatenate(picked))


def _ids(prefix: str, start: int, n: int, width: int) -> pl.Series:
    """Sequential keys like E0000001."""
    return pl.select(pl.format(f"{prefix}{{}}", pl.int_range(start + 1, start + n + 1).cast(pl.String)
                               .str.zfill(width))).to_series()


def _ts(seconds: I64) -> pl.Series:
    return pl.from_epoch(pl.Series(seconds), time_unit="s")


def _round_half(x: F64) -> F64:
    return np.round(x * 2) / 2


def _nulls(values: F64, rng: np.random.Generator, share: float) -> pl.Series:
    """Float column with a share of empty cells."""
    return pl.Series(values).set(pl.Series(rng.random(len(values)) < share), None)


@dataclass
class Totals:
    """What later datasets need from the streamed usage: costs, feedback candidates, row counts."""

    usage_cost: F64  # (month, department + unrostered, use case)
    feedback_keys: list[I64]
    feedback_first: list[I64]
    feedback_uc: list[I64]
    usage: int = 0
    reviews: int = 0
    tickets: int = 0
    incidents: list[pl.DataFrame] | None = None


def _chunks(counts: I64) -> Iterator[tuple[int, I64]]:
    """Groups of whole days holding about CHUNK_ROWS usage rows each."""
    per_day = counts.sum(axis=1)
    chunk_of_day = (np.cumsum(per_day) - per_day) // CHUNK_ROWS
    for k in np.unique(chunk_of_day):
        yield int(k), np.flatnonzero(chunk_of_day == k)


def _choose_users(rng: np.random.Generator, users: Users, day: I64, cohort: I64) -> I64:
    """A user of the row's cohort, weighted by propensity, with access on the row's day."""
    cum = np.concatenate([[0.0], np.cumsum(users.propensity)])
    bounds = np.searchsorted(users.cohort, np.arange(len(COHORTS) + 1))
    low, total = cum[bounds[:-1]], cum[bounds[1:]] - cum[bounds[:-1]]
    user = np.empty(len(day), np.int64)
    todo = np.arange(len(day))
    while len(todo):  # rejection sampling: only the few rows that drew an absent user are redrawn
        c = cohort[todo]
        u = np.searchsorted(cum, low[c] + rng.random(len(todo)) * total[c], side="right") - 1
        u = np.clip(u, bounds[c], bounds[c + 1] - 1)
        ok = (users.granted[u] <= day[todo]) & (day[todo] < users.revoked[u]) & (users.propensity[u] > 0)
        user[todo[ok]] = u[ok]
        todo = todo[~ok]
    return user


def _usage_chunk(rng: np.random.Generator, users: Users, counts: I64, days: I64) -> dict[str, np.ndarray]:
    """Raw arrays of the usage rows of some whole days, sorted by time; later datasets derive from them."""
    n_c = len(COHORTS)
    reps = counts[days].ravel()
    day = np.repeat(np.repeat(days, n_c), reps)
    cohort = np.repeat(np.tile(np.arange(n_c), len(days)), reps)
    seconds = rng.triangular(7.5 * 3600, 13 * 3600, 19 * 3600, len(day)).astype(np.int64)
    occurred = EPOCH0 + day * 86_400 + seconds
    order = np.argsort(occurred, kind="stable")
    day, cohort, occurred = day[order], cohort[order], occurred[order]
    n = len(day)
    user = _choose_users(rng, users, day, cohort)
    period = PERIOD[day]
    kind = np.array([c.kind for c in COHORTS])[cohort]
    uc = _pick(rng, UC_MIX[kind, period])
    interactions = _pick(rng, INTERACTION_MIX, n) + 1
    action = _pick(rng, ACTION_MIX[period])
    return {
        "day": day, "user": user, "period": period, "uc": uc, "interactions": interactions,
        "action": action, "occurred": occurred,
    }


def _reviews(
    rng: np.random.Generator, raw: dict[str, np.ndarray], users: Users, emails: pl.Series, review_scale: float,
    first_id: int, width: int, event_ids: pl.Series,
) -> pl.DataFrame:
    """Human reviews of a sample of usage rows; review outcomes also settle those rows' output_action."""
    period, uc = raw["period"], raw["uc"]
    rows = np.flatnonzero(rng.random(len(period)) < REVIEW_SHARE[period] * review_scale)
    p, u = period[rows], uc[rows]
    n = len(rows)
    err_p = np.minimum(ERROR_RATE[p] * np.where(UNAPPROVED_EVERYWHERE[u], 2.0, 1.0), 0.9)
    error = rng.random(n) < err_p
    outcome = np.where(error, np.where(rng.random(n) < 0.25, 2, 1), 0)
    severe = error & (rng.random(n) < SEVERE_RATE[p] / ERROR_RATE[p])
    severity = np.where(severe, np.where(rng.random(n) < 0.2, 3, 2), np.where(error, 1, 0))
    approval = APPROVAL_FIRST[p]
    delay = np.where(approval, rng.uniform(600, 6 * 3600, n), rng.uniform(3600, 3 * 86_400, n)).astype(np.int64)
    reviewed = np.minimum(raw["occurred"][rows] + delay, END_TS)
    review_min = _round_half(np.where(approval, 5.0, 3.5) * rng.lognormal(0, 0.4, n)).clip(0.5)
    rework = _round_half(np.select([outcome == 1, outcome == 2], [8.0, 20.0], 0.0) * rng.lognormal(0, 0.5, n))
    # The reviewer's verdict is what happened to the output.
    act = raw["action"]
    act[rows] = np.select([outcome == 2, outcome == 1, act[rows] == 2], [2, 1, 0], act[rows])
    sev = pl.Series(SEVERITIES).gather(severity).set(pl.Series((severity == 0) & (rng.random(n) < 0.08)), None)
    etype = pl.Series(ERROR_TYPES).gather(rng.integers(0, len(ERROR_TYPES), n)).set(pl.Series(~error), None)
    reviewer = pl.Series(users.reviewers[rng.integers(0, len(users.reviewers), n)])
    return pl.DataFrame({
        "review_id": _ids("R", first_id, n, width),
        "reviewed_at": _ts(reviewed),
        "use_case": pl.Series(USE_CASES).gather(u),
        "outcome": pl.Series(REVIEW_OUTCOMES).gather(outcome),
        "event_id": event_ids.gather(rows),
        "reviewer_id": emails.gather(reviewer),
        "error_severity": sev,
        "error_type": etype,
        "review_minutes": _nulls(review_min, rng, 0.03),
        "rework_minutes": _nulls(rework, rng, 0.03),
    })


def _usage_frame(rng: np.random.Generator, raw: dict[str, np.ndarray], emails: pl.Series,
                 event_ids: pl.Series) -> pl.DataFrame:
    uc, action, inter = raw["uc"], raw["action"], raw["interactions"]
    n = len(uc)
    minutes = MINUTES_SAVED[uc] * rng.lognormal(0, 0.35, n) * np.where(action == 1, 0.75, 1.0)
    minutes = np.where((action == 2) | (action == 3), 0.0, _round_half(minutes))
    cost = np.round(COST_PER_INTERACTION[uc] * inter * rng.lognormal(0, 0.25, n), 4)
    raw["cost"] = cost
    return pl.DataFrame({
        "occurred_at": _ts(raw["occurred"]),
        "user_id": emails.gather(raw["user"]),
        "use_case": pl.Series(USE_CASES).gather(uc),
        "event_id": event_ids,
        "interactions": pl.Series(inter, dtype=pl.Int64),
        "output_action": pl.Series([*ACTIONS, None]).gather(action),
        "minutes_saved": _nulls(minutes, rng, 0.15),
        "cost": cost,
    })


def _tickets(rng: np.random.Generator, raw: dict[str, np.ndarray], emails: pl.Series, first_id: int,
             width: int) -> pl.DataFrame:
    """Support tickets raised by users shortly after using the tool."""
    rows = _rows_by_rate(rng, raw["period"], TICKET_RATE)
    n = len(rows)
    cat = _pick(rng, TICKET_MIX[raw["period"][rows]])
    sizes = np.array([len(t) for t in TOPICS])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    topic = offsets[cat] + (rng.random(n) * sizes[cat]).astype(np.int64)
    opened = np.minimum(raw["occurred"][rows] + rng.integers(120, 5400, n), END_TS)
    closed = opened + (3600 * rng.lognormal(np.log(5), 1.0, n).clip(0.2, 240)).astype(np.int64)
    is_closed = closed <= END_TS
    status = np.where(is_closed, "closed", np.where(rng.random(n) < 0.6, "open", "in progress"))
    frame = pl.DataFrame({
        "ticket_id": _ids("T", first_id, n, width),
        "opened_at": _ts(opened),
        "category": pl.Series(TICKET_CATEGORIES).gather(cat),
        "user_id": emails.gather(raw["user"][rows]),
        "closed_at": _ts(closed).set(pl.Series(~is_closed), None),
        "status": status,
        "topic": pl.Series([t for group in TOPICS for t in group]).gather(topic),
        "handling_minutes": _nulls(np.round(15 * rng.lognormal(0, 0.6, n), 1), rng, 0.05),
    })
    # The same topic typed differently: lower-cased, or with a doubled inner and a trailing space.
    topic_col = pl.col("topic")
    spaced = topic_col.str.replace(" ", "  ", literal=True, n=1) + pl.lit(" ")
    variant = pl.col("variant")
    return frame.with_columns(variant=rng.choice(3, size=n, p=[0.68, 0.2, 0.12])).with_columns(
        pl.when(variant == 1).then(topic_col.str.to_lowercase()).when(variant == 2).then(spaced)
        .otherwise(topic_col).alias("topic")
    ).drop("variant")


def _incident_frame(rows: list[tuple]) -> pl.DataFrame:
    schema = {
        "incident_id": pl.String, "reported_at": pl.String, "category": pl.String, "severity": pl.String,
        "use_case": pl.String, "output_used": pl.Boolean, "people_affected": pl.Int64,
        "description": pl.String, "correction": pl.String, "escalated": pl.Boolean, "status": pl.String,
        "resolved_at": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.with_columns(
        pl.col("reported_at", "resolved_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us")
    )


STORY_INCIDENTS = [
    ("2026-01-09T10:20:00Z", "access", "low", None, False, 2, "Two pilot users could not sign in after the SSO change",
     "SSO group mapping fixed", False, "resolved", "2026-01-09T15:05:00Z"),
    ("2026-02-12T14:02:00Z", "poor_output", "low", "drafting", False, 0,
     "Draft indemnity clause cited a repealed regulation; caught in review", "Prompt template updated", False,
     "resolved", "2026-02-13T11:30:00Z"),
    ("2026-03-18T09:41:00Z", "poor_output", "low", "summarise", False, 0,
     "Summary omitted a termination-for-convenience clause", "Reviewer checklist extended", False, "resolved",
     "2026-03-19T16:00:00Z"),
    ("2026-04-22T11:15:00Z", "complaint", "low", "drafting", True, 1,
     '=HYPERLINK("https://example.org") pasted into a prompt came back in a draft; the counterparty '
     'complained about <b>"AI boilerplate"</b>', "Draft re-issued by hand; template cleaned", False, "resolved",
     "2026-04-24T10:00:00Z"),
    ("2026-05-07T13:30:00Z", "poor_output", "medium", "clause_review", True, 1,
     "Clause check marked a non-standard liability cap as compliant", "Playbook rule added; contract re-checked",
     False, "resolved", "2026-05-12T09:00:00Z"),
    ("2026-05-19T16:45:00Z", "unsafe_output", "medium", "drafting", False, 0,
     "Draft suggested waiving a statutory consumer right", "Blocked phrase list extended", True, "resolved",
     "2026-05-22T12:00:00Z"),
    ("2026-05-21T08:55:00Z", "out_of_scope", "medium", "negotiation_email", True, 6,
     "Sales team used the assistant to write negotiation e-mails to customers",
     "Reminder of approved use cases sent to sales", True, "resolved", "2026-06-05T17:00:00Z"),
    ("2026-05-28T15:10:00Z", "poor_output", "low", "drafting", False, 0,
     "Governing-law clause defaulted to the wrong jurisdiction", "Corrected in review", False, "resolved",
     "2026-05-29T10:00:00Z"),
    ("2026-06-04T10:05:00Z", "poor_output", "medium", "translation", True, 1,
     "Working translation turned 'shall' into 'may' in a payment clause", "Clause re-translated by a lawyer",
     False, "resolved", "2026-06-09T14:00:00Z"),
    ("2026-06-16T10:42:00Z", "data_exposure", "high", "summarise", True, 14,
     "A contract summary shared with procurement contained a client's bank details copied from the source",
     "Summary withdrawn; prompts scanned; data-rules refresher for all users", True, "resolved",
     "2026-07-08T16:00:00Z"),
    ("2026-06-23T09:30:00Z", "complaint", "medium", "summarise", True, 1,
     "Supplier complained that a summary misquoted their delivery terms", "Apology and corrected summary sent",
     False, "resolved", "2026-06-26T11:00:00Z"),
    ("2026-06-26T14:20:00Z", "poor_output", "medium", "negotiation_email", True, 2,
     "Negotiation e-mail promised a discount nobody had approved", "Customer informed; use case blocked", True,
     "resolved", "2026-07-03T09:00:00Z"),
    ("2026-07-08T11:00:00Z", "out_of_scope", "low", "translation", False, 0,
     "Translation requests still reaching the assistant from legal", "Translation disabled in the tool", False,
     "resolved", "2026-07-15T09:00:00Z"),
    ("2026-08-19T13:25:00Z", "poor_output", "low", "drafting", False, 0,
     "Draft confidentiality clause too narrow; caught in approval", "Corrected in review", False, "resolved",
     "2026-08-20T10:00:00Z"),
    ("2026-09-10T09:00:00Z", "other", "low", None, False, 0,
     "Assistant unavailable for two hours during vendor maintenance", "Vendor notice process agreed", False,
     "resolved", "2026-09-10T11:10:00Z"),
    ("2026-09-28T16:30:00Z", "poor_output", "low", "summarise", False, 0,
     "Summary of a framework agreement listed the wrong notice period", None, False, "open", None),
]
INCIDENT_CATEGORIES = ("poor_output", "out_of_scope", "complaint", "access", "unsafe_output", "other",
                       "data_exposure", "privacy")
INCIDENT_MIX = np.array([0.55, 0.12, 0.10, 0.08, 0.05, 0.06, 0.02, 0.02])
INCIDENT_SEVERITIES = ("low", "medium", "high", "critical")


def _random_incidents(rng: np.random.Generator, raw: dict[str, np.ndarray], rate: float) -> pl.DataFrame:
    """Benchmark-only background incidents, proportional to usage."""
    rows = np.flatnonzero(rng.random(len(raw["uc"])) < rate)
    n = len(rows)
    reported = np.minimum(raw["occurred"][rows] + rng.integers(600, 86_400, n), END_TS)
    resolved = reported + rng.integers(3600, 10 * 86_400, n)
    open_ = (resolved > END_TS) | (rng.random(n) < 0.03)
    severity = _pick(rng, np.array([0.6, 0.3, 0.08, 0.02]), n)
    return pl.DataFrame({
        "incident_id": pl.Series([None] * n, dtype=pl.String),
        "reported_at": _ts(reported),
        "category": pl.Series(INCIDENT_CATEGORIES).gather(_pick(rng, INCIDENT_MIX, n)),
        "severity": pl.Series(INCIDENT_SEVERITIES).gather(severity),
        "use_case": pl.Series(USE_CASES).gather(raw["uc"][rows]),
        "output_used": rng.random(n) < 0.3,
        "people_affected": rng.poisson(1.0, n),
        "description": pl.Series(["Output needed correction after use", "Reported by a reviewer",
                                  "Raised by a user through the support desk"]).gather(rng.integers(0, 3, n)),
        "correction": pl.Series([None, "Corrected in review", "Template updated"]).gather(rng.integers(0, 3, n)),
        "escalated": severity >= 2,
        "status": np.where(open_, "open", "resolved"),
        "resolved_at": _ts(resolved).set(pl.Series(open_), None),
    })


def _write(frame: pl.DataFrame, handle: IO[bytes], header: bool) -> None:
    frame.write_csv(handle, include_header=header, datetime_format=TS_FORMAT, date_format="%Y-%m-%d")


def _stream_usage(
    rng_seed: int, users: Users, counts: I64, paths: dict[str, Path], totals: Totals, bench: bool
) -> None:
    """Write usage, reviews and support chunk by chunk; keep only small aggregates in memory."""
    emails = pl.Series(users.email)
    usage_rows = int(counts.sum())
    width = max(7, len(str(usage_rows)))
    expected_reviews = float((counts.sum(axis=1) * REVIEW_SHARE[PERIOD]).sum())
    review_scale = min(1.0, BENCH_REVIEW_SHARE * usage_rows / expected_reviews) if bench else 1.0
    ticket_width = max(5, len(str(int(usage_rows * TICKET_RATE.max()) + 1)))
    dept = np.where(users.rostered, users.department, len(DEPARTMENTS))
    incident_rate = len(STORY_INCIDENTS) / DEMO_USAGE_ROWS if bench else 0.0
    with (paths["usage"].open("wb") as f_usage, paths["reviews"].open("wb") as f_reviews,
          paths["support"].open("wb") as f_support):
        for k, days in _chunks(counts):
            rng = np.random.default_rng([rng_seed, 1000 + k])
            raw = _usage_chunk(rng, users, counts, days)
            n = len(raw["day"])
            event_ids = _ids("E", totals.usage, n, width)
            reviews = _reviews(rng, raw, users, emails, review_scale, totals.reviews, width, event_ids)
            usage = _usage_frame(rng, raw, emails, event_ids)
            tickets = _tickets(rng, raw, emails, totals.tickets, ticket_width)
            _write(usage, f_usage, k == 0)
            _write(reviews, f_reviews, k == 0)
            _write(tickets, f_support, k == 0)
            totals.usage += n
            totals.reviews += reviews.height
            totals.tickets += tickets.height
            month = MONTH[raw["day"]]
            key = (month * (len(DEPARTMENTS) + 1) + dept[raw["user"]]) * len(USE_CASES) + raw["uc"]
            totals.usage_cost += np.bincount(key, weights=raw["cost"], minlength=totals.usage_cost.size).reshape(
                totals.usage_cost.shape)
            user_month = raw["user"] * N_MONTHS + month
            _, first = np.unique(user_month, return_index=True)
            totals.feedback_keys.append(user_month[first])
            totals.feedback_first.append(raw["day"][first])
            totals.feedback_uc.append(raw["uc"][first])
            if incident_rate and totals.incidents is not None:
                totals.incidents.append(_random_incidents(rng, raw, incident_rate))


def _roster(users: Users) -> pl.DataFrame:
    keep = users.rostered
    base = np.datetime64(START.isoformat())
    revoked = np.where(users.revoked == NEVER, 0, users.revoked)
    frame = pl.DataFrame({
        "user_id": np.asarray(users.email)[keep],
        "department": np.asarray(DEPARTMENTS)[users.department[keep]],
        "access_granted_on": base + users.granted[keep],
        "role": np.asarray(users.role)[keep],
        "access_revoked_on": pl.Series(base + revoked[keep]).set(pl.Series(users.revoked[keep] == NEVER), None),
    })
    return frame.with_columns(pl.col("access_granted_on", "access_revoked_on").cast(pl.Date)).sort(
        "access_granted_on", "user_id")


def _training(rng: np.random.Generator, users: Users) -> pl.DataFrame:
    """Module completions: before access for most, after first use for the late few."""
    kind = np.array([c.kind for c in COHORTS])[users.cohort]
    n = len(users.email)
    n_mod = len(BASE_MODULES)
    planned = np.flatnonzero(kind == 0)
    start = np.where(users.late, users.granted + 7, np.maximum(users.granted - 12, 0))
    end = np.where(users.late, users.granted + 25, users.granted)
    user = np.repeat(planned, n_mod)
    module = np.tile(np.arange(n_mod), len(planned))
    day = start[user] + (rng.random(len(user)) * (end[user] - start[user] + 1)).astype(np.int64)
    # Drift grants: about half did the first module only.
    drift = np.flatnonzero((kind == 1) & (rng.random(n) < 0.5))
    user = np.concatenate([user, drift])
    module = np.concatenate([module, np.zeros(len(drift), np.int64)])
    day = np.concatenate([day, users.granted[drift] + rng.integers(0, 10, len(drift))])
    # The extra-review module for everyone in the plan who still has access when that stage starts.
    stage3 = day_of(date(2026, 7, 15))
    extra = planned[users.revoked[planned] > stage3]
    late_extra = rng.random(len(extra)) < 0.08
    extra_day = np.where(late_extra, rng.integers(stage3 + 5, stage3 + 24, len(extra)),
                         rng.integers(stage3 - 9, stage3 + 3, len(extra)))
    user = np.concatenate([user, extra])
    module = np.concatenate([module, np.full(len(extra), len(BASE_MODULES))])
    day = np.concatenate([day, extra_day])
    score = np.round(rng.normal(86, 7, len(user)).clip(55, 100), 1)
    return pl.DataFrame({
        "user_id": np.asarray(users.email)[user],
        "module": np.asarray(MODULES)[module],
        "completed_on": (np.datetime64(START.isoformat()) + np.minimum(day, N_DAYS - 1)),
        "score": score,
    }).with_columns(pl.col("completed_on").cast(pl.Date)).sort("completed_on", "user_id", "module")


def _costs(users: Users, usage_cost: F64, training: pl.DataFrame) -> pl.DataFrame:
    """Monthly cost lines: seats and usage per department, training, infrastructure, support."""
    scale = len(users.email) / DEMO_USERS
    month_start = np.array([day_of(date(2026, m, 1)) for m in range(1, N_MONTHS + 1)])
    month_end = np.append(month_start[1:], N_DAYS)
    lines: list[dict[str, object]] = []

    def line(m: int, category: str, amount: float, description: str, department: str | None = None,
             use_case: str | None = None) -> None:
        if amount > 0:
            lines.append({"month": f"2026-{m + 1:02d}", "category": category, "amount": round(amount, 2),
                          "department": department, "use_case": use_case, "description": description})

    rostered = users.rostered
    dept_of = dict(zip(users.email, users.department.tolist(), strict=True))
    done = training.with_columns(
        pl.col("user_id").replace_strict(dept_of).alias("d"), (pl.col("completed_on").dt.month() - 1).alias("m")
    ).group_by("m", "d").len()
    trained = {(m, d): c for m, d, c in done.iter_rows()}
    for m in range(N_MONTHS):
        for d, name in enumerate(DEPARTMENTS):
            seats = int((rostered & (users.department == d) & (users.granted < month_end[m])
                         & (users.revoked > month_start[m])).sum())
            line(m, "licence", seats * SEAT_PRICE, f"Seat licences ({seats} seats)", name)
            for u, uc in enumerate(USE_CASES):
                line(m, "usage", usage_cost[m, d, u], "Model usage billed by the vendor", name, uc)
            line(m, "training", trained.get((m, d), 0) * TRAINING_PRICE, "E-learning module completions", name)
        for u, uc in enumerate(USE_CASES):
            line(m, "usage", usage_cost[m, len(DEPARTMENTS), u], "Model usage by accounts not in the roster",
                 None, uc)
        line(m, "infrastructure", (450.0 if m < 3 else 650.0) * scale, "Hosting, logging and SSO")
        line(m, "support", (150.0 if m < 3 else 300.0) * scale, "AI support desk retainer")
        if m == 3:
            line(m, "other", 350.0 * scale, "External review of the vendor's data-processing terms")
    frame = pl.DataFrame(lines, schema={"month": pl.String, "category": pl.String, "amount": pl.Float64,
                                        "department": pl.String, "use_case": pl.String,
                                        "description": pl.String})
    width = max(4, len(str(frame.height)))
    return frame.with_columns(_ids("L", 0, frame.height, width).alias("line_id"), currency=pl.lit("EUR"))


def _feedback(rng: np.random.Generator, users: Users, totals: Totals) -> pl.DataFrame:
    """Monthly pulse survey: active users answer late in the month."""
    keys = np.concatenate(totals.feedback_keys)
    _, first = np.unique(keys, return_index=True)  # chunks are chronological: first = earliest
    keys = keys[first]
    first_day = np.concatenate(totals.feedback_first)[first]
    uc = np.concatenate(totals.feedback_uc)[first]
    user, month = np.divmod(keys, N_MONTHS)
    month_start = np.array([day_of(date(2026, m, 1)) for m in range(1, N_MONTHS + 1)])
    day = np.maximum(month_start[month] + rng.integers(21, 28, len(keys)), first_day)
    answer = rng.random(len(keys)) < RESPONSE_RATE[PERIOD[day]]
    user, day, uc = user[answer], day[answer], uc[answer]
    n = len(user)
    sat = _pick(rng, SATISFACTION_MIX[PERIOD[day]]) + 1
    submitted = EPOCH0 + day * 86_400 + rng.integers(9 * 3600, 17 * 3600, n)
    band = np.select([sat <= 2, sat == 3], [0, 1], 2)
    sizes = np.array([len(c) for c in COMMENTS])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    comment = pl.Series([c for group in COMMENTS for c in group]).gather(
        offsets[band] + (rng.random(n) * sizes[band]).astype(np.int64))
    order = np.argsort(submitted, kind="stable")
    frame = pl.DataFrame({
        "submitted_at": _ts(submitted),
        "satisfaction": pl.Series(sat, dtype=pl.Int64),
        "user_id": pl.Series(users.email).gather(user),
        "use_case": pl.Series(USE_CASES).gather(uc),
        "comment": comment.set(pl.Series(rng.random(n) > 0.4), None),
    })[order]
    return frame.with_columns(_ids("F", 0, n, max(5, len(str(n)))).alias("response_id"))


def generate(out_dir: Path, usage_rows: int | None = None, seed: int = 7) -> dict[str, Path]:
    """Write the eight canonical CSV exports into out_dir and return their paths by dataset."""
    rows = DEMO_USAGE_ROWS if usage_rows is None else usage_rows
    if rows < 1:
        raise ValueError("usage_rows must be at least 1")
    bench = rows > DEMO_USAGE_ROWS
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in DATASETS}
    rng = np.random.default_rng(seed)
    users = make_users(rng, rows)
    counts = _cell_counts(rng, users, rows)
    training = _training(rng, users)
    totals = Totals(np.zeros((N_MONTHS, len(DEPARTMENTS) + 1, len(USE_CASES))), [], [], [], incidents=[])
    _stream_usage(seed, users, counts, paths, totals, bench)

    story = _incident_frame([(None, *row) for row in STORY_INCIDENTS])
    incidents = pl.concat([story, *(totals.incidents or [])]).sort("reported_at", maintain_order=True)
    incidents = incidents.with_columns(
        _ids("INC", 0, incidents.height, max(4, len(str(incidents.height)))).alias("incident_id"))

    frames = {
        "roster": _roster(users),
        "training": training,
        "costs": _costs(users, totals.usage_cost, training),
        "incidents": incidents,
        "feedback": _feedback(rng, users, totals),
    }
    for name, frame in frames.items():
        with paths[name].open("wb") as handle:
            _write(frame.select(COLUMNS[name]), handle, True)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the CSV files")
    parser.add_argument("--usage-rows", type=int, default=None,
                        help=f"usage rows to generate (default: the small demo, {DEMO_USAGE_ROWS})")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.out, args.usage_rows, args.seed)
    size = sum(p.stat().st_size for p in paths.values())
    print(f"wrote {len(paths)} files, {size / 1e6:.1f} MB, to {args.out} in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
