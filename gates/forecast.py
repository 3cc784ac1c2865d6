"""The expansion forecast (DESIGN.md §12): what the first full month of a later stage may bring, learned from
the months of the stage in force now.

Grain: one forecast is one target stage × one calendar month (its first full month after the evidence),
learned from one stage's review period (gates.period) with no department or use-case filter: it is about
the whole next stage. Six measures, each a central value and an 80% range: active users, interactions,
support tickets, incidents, usage cost and net hours saved.

Three steps, each a function that tests and docs/forecast.md reach on their own:
1. `evidence`: one DuckDB query over the review period (one read of usage), at grain person × month, then
   person. Who had access on some day of each month (the roster, as adoption.users_with_access counts it), who
   used the tool that month (usage rows that name a person, DESIGN.md §3 "Per-user rows"), and what each active
   person-month held: interactions, usage cost (the usage rows' `cost`) and hours saved (by kept or action-less
   uses, as value.gross_hours_saved counts them; net of the period's review and rework hours per interaction,
   `Evidence.net_hours`). The period's tickets, incidents and review minutes are the facts the metrics are made
   from (metrics.periods: support.tickets, risk.incidents, value.review_hours and rework_hours), and a measure
   has no value for the reasons its metric would have none (metrics.coverage: an export that does not cover
   the period).
2. `share_of`, `rate_of`, `CountRate`: the share of people with access who are active in a month (a beta
   model), and per active person and month the mean of each sum with the uncertainty of that mean and the
   spread of one person-month around it, people — not months — counted as the independent units (the normal
   approximation of a bootstrap over people), and the tickets and incidents per active person-month (a
   gamma-Poisson model).
3. `draw`: DRAWS possible months from a seeded numpy Generator: active people ~ Binomial(people, damping ×
   share) with share ~ Beta; tickets and incidents ~ Poisson(rate × active) with rate ~ Gamma; interactions,
   cost and hours ~ Normal(active × mean, active × spread) with mean ~ its estimate plus a Student t scaled by
   the estimate's standard error. The central value is the current rate applied as it stands; the 80% range
   is the 10th to 90th percentile of the draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field

from core.calendar import add_months, month_end, month_key, month_spans
from core.errors import InputError
from gates.period import ReviewPeriod, review_period
from gates.plan import Plan, Stage
from gates.plan_bounds import MAX_EXPECTED_USERS
from gates.trend import stage_on
from metrics import filters, scope
from metrics.coverage import Gap, gaps
from metrics.engine import NO_PEOPLE
from metrics.facts import DEFAULTS_CTE, KEPT, usage_params
from metrics.format import day_label, month_label, months_label
from metrics.model import Window
from metrics.periods import Periods, period_facts
from metrics.query import bind
from metrics.registry import REGISTRY

DRAWS = 10_000
SEED = 20_261_201  # fixed: the same evidence and choices give the same ranges, on every machine
COVERAGE = 0.80    # the range holds the middle 80% of the draws: the 10th to the 90th percentile
LOW, HIGH = (1 - COVERAGE) / 2, 1 - (1 - COVERAGE) / 2

Model = Literal["share", "count", "sum"]
PeopleSource = Literal["given", "plan", "roster"]
# Where the number of people came from, in words.
PEOPLE_WORDS: dict[str, str] = {"given": "as given", "plan": "the stage's expected_users in the plan",
                                "roster": "the roster of its departments"}


@dataclass(frozen=True)
class MeasureDef:
    """One forecast measure: its id, its words, its unit and how it is drawn (`model`: the share of people who
    are active, a count per active person-month, or a sum per active person-month). `metric` is the metric whose
    needs it shares: it has no forecast when an export that metric needs does not cover the period."""

    id: str
    label: str
    unit: str
    model: Model
    metric: str
    negative: bool = False  # whether a month's total can fall below 0 (net hours: review time beyond the savings)


# In the order every table shows them (docs/forecast.md says what each counts).
MEASURES: tuple[MeasureDef, ...] = (
    MeasureDef("active_users", "Active users", "people", "share", "adoption.activation_rate"),
    MeasureDef("interactions", "Interactions", "interactions", "sum", "adoption.interactions"),
    MeasureDef("support_tickets", "Support tickets", "tickets", "count", "support.tickets"),
    MeasureDef("incidents", "Incidents", "incidents", "count", "risk.incidents"),
    MeasureDef("usage_cost", "Usage cost", "currency", "sum", "adoption.interactions"),
    MeasureDef("net_hours_saved", "Net hours saved", "hours", "sum", "value.net_hours_saved", negative=True),
)


class NoNextStage(InputError):
    """No stage was named and the reviewed stage is the plan's last: there is no next stage to forecast."""


@dataclass(frozen=True)
class Ask:
    """What a person asks of a forecast: the stage (None: the one after the reviewed stage), the people who will
    have access in it (None: its expected_users in the plan, else the roster), and the damping (1: the new
    people use the tool as the current ones do)."""

    stage: str | None = None
    users: int | None = None
    damping: float = 1.0

    def checked(self) -> Ask:
        """This ask, or InputError saying which value is out of range."""
        if self.users is not None and not 1 <= self.users <= MAX_EXPECTED_USERS:
            raise InputError(f"the number of people must be a whole number from 1 to {MAX_EXPECTED_USERS:,}, "
                             f"not {self.users:,}.")
        if not (math.isfinite(self.damping) and 0 < self.damping <= 1):
            raise InputError(f"the damping must be more than 0 and at most 1, not {self.damping:g}.")
        return self


# The forecast a review shows unless a person asks otherwise: the next stage, its expected people, damping 1.
NEXT_STAGE = Ask()


def parse_users(text: str, option: str = "--users") -> int:
    """A number of people as a person typed it (250, 1,200); InputError naming `option` otherwise."""
    digits = text.strip().replace(",", "").replace("_", "")
    if not digits.isdigit() or not 1 <= int(digits) <= MAX_EXPECTED_USERS:
        raise InputError(f"{option} {text!r} is not a number of people; write a whole number from 1 to "
                         f"{MAX_EXPECTED_USERS:,}, e.g. 250.")
    return int(digits)


def parse_damping(text: str, option: str = "--damping") -> float:
    """A damping factor (0.7); InputError naming `option` when it is not a number above 0 and at most 1."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 1):
        raise InputError(f"{option} {text!r} is not a damping factor; write a number above 0 and at most 1, "
                         "e.g. 0.7 (1: the new people use the tool as the current ones do).")
    return value


# -- the record -------------------------------------------------------------------------------------

class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class StageName(_Record):
    id: str
    name: str


class EvidencePeriod(_Record):
    """The review period the rates were learned from, and its length in months (a part of a month counts as
    its share of the month's days)."""

    from_: date = Field(alias="from")
    to: date
    months: float


class People(_Record):
    """The people who will have access in the target stage, and where that number came from: `given` for this
    forecast, the `plan`'s expected_users, or the `roster` of the stage's departments."""

    count: int
    source: PeopleSource


class Method(_Record):
    """How the ranges were drawn: how many simulated months, from which seed, holding what share of them."""

    draws: int
    seed: int
    coverage: float


class MeasureForecast(_Record):
    """One measure of the forecast month: the central value, the 80% range [low, high] (None when it cannot be
    forecast, with `missing` saying why), the current rate it scales and that rate in words."""

    id: str
    label: str
    unit: str  # people, interactions, tickets, incidents, currency, hours
    central: float | None
    low: float | None
    high: float | None
    rate: float | None
    rate_text: str
    missing: str | None = None


class Forecast(_Record):
    """An expansion forecast (DESIGN.md §12). Grain: one target stage × its first full month, learned from one
    stage's review period. Rendered by the page, the command line and the snapshot; never recomputed there."""

    stage: StageName           # the stage forecast
    from_stage: StageName      # the stage whose months the rates come from
    month: str                 # 'YYYY-MM': the first full month of the stage after the evidence
    period: EvidencePeriod
    people: People
    damping: float
    currency: str
    method: Method
    measures: tuple[MeasureForecast, ...]
    assumptions: tuple[str, ...]

    def measure(self, measure_id: str) -> MeasureForecast:
        return next(m for m in self.measures if m.id == measure_id)

    def as_json(self) -> dict[str, Any]:
        """The forecast as `rollgate forecast --json` prints it and a snapshot holds it."""
        return self.model_dump(mode="json", by_alias=True)


# -- numbers in words -------------------------------------------------------------------------------

def number_text(x: float) -> str:
    """A forecast number: whole above 10 ('1,234'), one decimal below ('0.4', '3'). Float noise is dropped first
    (45 × 0.7 is 31.499999999999996): the number reads the same as the snapshot, which keeps 10 digits, shows it."""
    x = float(f"{x:.9g}")
    if abs(x) >= 10:
        return f"{x:,.0f}"
    return f"{x:.1f}".removesuffix(".0")


def unit_text(m: MeasureForecast, currency: str) -> str:
    """The unit as a column heads it: 'people', 'EUR', 'hours'."""
    return currency if m.unit == "currency" else m.unit


def central_text(m: MeasureForecast) -> str:
    return "no data" if m.central is None else number_text(m.central)


def range_text(m: MeasureForecast) -> str:
    """'28–36'; '' when there is none."""
    if m.low is None or m.high is None:
        return ""
    return f"{number_text(m.low)}–{number_text(m.high)}"


# -- step 1: the evidence -----------------------------------------------------------------------------

# The review period cut at month boundaries: each part's month (its first day), its days and its weight, the
# share of its month's days it covers (1 for a whole month).
PARTS_TYPE = "struct(month date, p_start date, p_end date, weight double)[]"


SUMMED = ("interactions", "gross_hours", "cost")  # the columns of a person-month that are summed


def _person_columns(column: str) -> str:
    """A person's total of one column over the period, and Σ x²/weight over the person's active months."""
    return (f"coalesce(sum(m.{column}), 0) as {column}, "
            f"coalesce(sum(m.{column} * m.{column} / p.weight), 0) as {column}_q")


def _total_columns(column: str) -> str:
    """Over people: Σ x_i, Σ x_i², Σ x_i·w_i and Σ of the person-months' x²/weight."""
    return (f"coalesce(sum({column}), 0) as {column}, coalesce(sum({column} * {column}), 0) as {column}_xx, "
            f"coalesce(sum({column} * w), 0) as {column}_xw, coalesce(sum({column}_q), 0) as {column}_q")


# Grain: person × month of the period (access, active, what the active month held), then person (months with
# access m, of them active y, active months weighted w, each column's total and Σ x²/weight over its months),
# then one row of sums over people, with the interactions of every usage row (an organisation's totals are not
# a person's: filters.PEOPLE). Usage is read once: `used` is grouped once and read twice.
EVIDENCE_SQL = f"""
        with
        parts as (select unnest(cast($parts as {PARTS_TYPE}), recursive := true)),
        {DEFAULTS_CTE},
        access as (
            select p.month, r.user_id
            from roster r join parts p on {scope.access_during_window("r", "p.p_start", "p.p_end")}
        ),
        used as materialized (
            select cast(date_trunc('month', u.occurred_at) as date) as month, u.user_id, {filters.PEOPLE} as people,
                   cast(sum(u.interactions) as double) as interactions,
                   coalesce(sum(u.interactions * coalesce(u.minutes_saved, d.minutes, 0))
                            filter (where u.output_action is null or u.output_action in {KEPT}), 0) / 60
                       as gross_hours,
                   coalesce(sum(u.cost), 0) as cost, count(u.cost) as costed
            from usage u
            left join defaults d on d.use_case = u.use_case
            where {filters.in_window("u.occurred_at")}
            group by 1, 2, 3
        ),
        person_months as (
            select coalesce(a.month, x.month) as month, coalesce(a.user_id, x.user_id) as user_id,
                   a.user_id is not null as access, x.user_id is not null as active,
                   x.interactions, x.gross_hours, x.cost, x.costed
            from access a
            full join (select * from used where people) x on x.month = a.month and x.user_id = a.user_id
        ),
        people as (
            select m.user_id, cast(count(*) filter (where m.access) as double) as m,
                   cast(count(*) filter (where m.access and m.active) as double) as y,
                   coalesce(sum(p.weight) filter (where m.active), 0) as w,
                   {", ".join(_person_columns(c) for c in SUMMED)},
                   coalesce(sum(m.gross_hours * m.interactions / p.weight), 0) as gross_uses_q,
                   coalesce(sum(m.costed), 0) as costed
            from person_months m
            join parts p on p.month = m.month
            group by m.user_id
        )
        select count(*) filter (where m > 0) as people, coalesce(sum(m), 0) as m, coalesce(sum(y), 0) as y,
               coalesce(sum(y * y), 0) as yy, coalesce(sum(y * m), 0) as ym, coalesce(sum(m * m), 0) as mm,
               count(*) filter (where w > 0) as active_people, coalesce(sum(w), 0) as w,
               coalesce(sum(w * w), 0) as ww,
               {", ".join(_total_columns(c) for c in SUMMED)},
               coalesce(sum(gross_hours * interactions), 0) as gross_uses_xx,
               coalesce(sum(gross_uses_q), 0) as gross_uses_q,
               cast(coalesce(sum(costed), 0) as bigint) as costed,
               (select coalesce(sum(interactions), 0) from used) as all_interactions
        from people"""


@dataclass(frozen=True)
class PersonSums:
    """One summed amount over the period's people. For person i with total x_i over the period and w_i active
    months (a part of a month counting as its share of the month): Σ x_i, Σ x_i², Σ x_i·w_i, and over every
    active person-month Σ x²/weight (the month's amount scaled to a whole month, squared, times its weight)."""

    total: float
    squares: float
    cross: float
    month_squares: float


@dataclass(frozen=True)
class Evidence:
    """What the review period shows, summed over people (EVIDENCE_SQL).

    Access: `people` had access on some day of the period; `access_months` Σ m_i person-months of access, of
    them `active_months` Σ y_i active, with Σ y², Σ y·m and Σ m² over people. Use: `active_people` used the tool;
    `exposure` Σ w_i active person-months (weighted), Σ w² over people; `sums` of interactions, gross hours saved
    and usage cost; `gross_uses` Σ G_i·I_i over people and Σ g·i/weight over person-months (hours saved times
    interactions, for net hours saved); `costed` person-level usage rows that carry a cost; `all_interactions`
    the interactions of every usage row of the period, a person's or not."""

    people: int
    access_months: float
    active_months: float
    yy: float
    ym: float
    mm: float
    active_people: int
    exposure: float
    ww: float
    sums: Mapping[str, PersonSums]
    gross_uses: tuple[float, float]
    costed: int
    all_interactions: float

    def net_hours(self, overhead: float) -> PersonSums:
        """The sums of net hours saved, gross hours less `overhead` hours per interaction (g − h·i), from those
        of gross hours and interactions: each is a sum of (g − h·i), (g − h·i)² or (g − h·i)·w."""
        g, i, h = self.sums["gross_hours"], self.sums["interactions"], overhead
        products, month_products = self.gross_uses
        return PersonSums(total=g.total - h * i.total,
                          squares=g.squares - 2 * h * products + h * h * i.squares,
                          cross=g.cross - h * i.cross,
                          month_squares=g.month_squares - 2 * h * month_products + h * h * i.month_squares)


def _weight(first: date, last: date) -> float:
    """The share of its month's days that the part [first, last] of one month covers (1 for a whole month)."""
    return ((last - first).days + 1) / month_end(first).day


def parts(period: Window) -> list[dict[str, object]]:
    """The period cut at month boundaries as rows of PARTS_TYPE."""
    return [{"month": a.replace(day=1), "p_start": a, "p_end": b, "weight": _weight(a, b)}
            for a, b in month_spans(period.start, period.end)]


def months_of(period: Window) -> float:
    """The period's length in months, a part of a month counting as its share of the month's days."""
    return sum(_weight(a, b) for a, b in month_spans(period.start, period.end))


def evidence(con: duckdb.DuckDBPyConnection, plan: Plan, period: Window) -> Evidence:
    """The evidence of `period` (its filters are not applied: a forecast is about a whole stage)."""
    params = {**usage_params(plan.metric_context(), period), "parts": parts(period)}
    cur = con.execute(EVIDENCE_SQL, bind(EVIDENCE_SQL, params))
    names = [d[0] for d in cur.description or ()]
    row = cur.fetchone()
    cur.fetchall()
    if row is None:
        raise RuntimeError("the forecast's evidence query returned no row")
    r = {k: (float(v) if isinstance(v, int | float) else 0.0) for k, v in zip(names, row, strict=True)}
    sums = {c: PersonSums(r[c], r[f"{c}_xx"], r[f"{c}_xw"], r[f"{c}_q"]) for c in SUMMED}
    return Evidence(people=int(r["people"]), access_months=r["m"], active_months=r["y"], yy=r["yy"], ym=r["ym"],
                    mm=r["mm"], active_people=int(r["active_people"]), exposure=r["w"], ww=r["ww"],
                    sums={"interactions": sums["interactions"], "gross_hours": sums["gross_hours"],
                          "usage_cost": sums["cost"]},
                    gross_uses=(r["gross_uses_xx"], r["gross_uses_q"]), costed=int(r["costed"]),
                    all_interactions=r["all_interactions"])


# -- step 2: the rates ---------------------------------------------------------------------------------

def _small_sample(n: int) -> float:
    """n / (n − 1): the correction of a variance estimated from n people (1 for a single person)."""
    return n / (n - 1) if n > 1 else 1.0


@dataclass(frozen=True)
class Share:
    """The share of people with access who are active in a month, and the beta distribution of its
    uncertainty: Beta(value × n + ½, (1 − value) × n + ½), n the effective number of people."""

    value: float
    n: float

    @property
    def alpha(self) -> float:
        return self.value * self.n + 0.5

    @property
    def beta(self) -> float:
        return (1 - self.value) * self.n + 0.5


def share_of(ev: Evidence) -> Share | None:
    """The active share of `ev` (None when nobody had access): active person-months / person-months of access.
    Its variance is the larger of the binomial one (months independent) and the ratio estimator's across people
    (a person active one month is likely active the next); n is the number of independent people that
    variance is worth (between 1 and the person-months; the people with access when the share is 0 or 1)."""
    if ev.access_months <= 0:
        return None
    p = ev.active_months / ev.access_months
    binomial = p * (1 - p) / ev.access_months
    across = (max(0.0, ev.yy - 2 * p * ev.ym + p * p * ev.mm) / ev.access_months ** 2
              * _small_sample(ev.people))
    variance = max(binomial, across)
    n = float(ev.people) if variance <= 0 else min(ev.access_months, max(1.0, p * (1 - p) / variance))
    return Share(p, n)


@dataclass(frozen=True)
class Rate:
    """A sum per active person and month: its mean, the variance of that mean (how sure we are of it), the
    spread (the variance of one person-month around the mean) and the people it was learned from (the mean's
    uncertainty is a Student t with people − 1 degrees of freedom, wider than a normal for a few people)."""

    mean: float
    mean_variance: float
    spread: float
    people: int


def rate_of(s: PersonSums, exposure: float, ww: float, people: int) -> Rate:
    """The rate of a sum over `exposure` active person-months of `people` people (Σ w² = `ww`). The mean is
    Σx / Σw; the variance of the mean the larger of the one that counts person-months as independent
    (spread / Σw) and the ratio estimator's across people, Σ(x_i − mean·w_i)² / (Σw)², which is what a
    bootstrap over people gives."""
    mean = s.total / exposure
    spread = max(0.0, (s.month_squares - 2 * mean * s.total + mean * mean * exposure) / exposure)
    across = max(0.0, s.squares - 2 * mean * s.cross + mean * mean * ww) / exposure ** 2 * _small_sample(people)
    return Rate(mean, max(spread / exposure, across), spread, people)


@dataclass(frozen=True)
class CountRate:
    """Events (tickets, incidents) per active person-month: `total` events over `exposure` active person-months.
    The rate's uncertainty is Gamma(total + ½, exposure) (the gamma-Poisson model)."""

    total: float
    exposure: float

    @property
    def mean(self) -> float:
        return self.total / self.exposure


# -- step 3: the draws ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """A measure of the forecast month: the central value and the 80% range."""

    central: float
    low: float
    high: float


def draw(share: Share, people: int, damping: float, rates: Mapping[str, Rate | CountRate], *,
         draws: int = DRAWS, seed: int = SEED) -> dict[str, Outcome]:
    """`people` with access, `damping` times as likely to be active as the share says: the active people and
    every rate's total, each {measure id: Outcome}. Each measure draws from its own stream of the seed, so
    the ranges of one do not depend on which others are asked. Vectorised: `draws` values per measure."""
    # Here rather than at the top: numpy costs every command of the command line a tenth of a second, and only
    # a forecast draws.
    import numpy as np

    def stream(index: int) -> np.random.Generator:
        return np.random.default_rng([seed, index])

    p = min(1.0, damping * share.value)
    central_active = people * p
    active = stream(0).binomial(people, np.minimum(1.0, damping * stream(1).beta(share.alpha, share.beta, draws)))
    out = {"active_users": _outcome(central_active, active, discrete=True)}
    for index, measure in enumerate(MEASURES, start=2):
        found = rates.get(measure.id)
        rng = stream(index)
        if isinstance(found, CountRate):
            lam = rng.gamma(found.total + 0.5, 1 / found.exposure, draws)
            out[measure.id] = _outcome(central_active * found.mean, rng.poisson(lam * active), discrete=True)
        elif isinstance(found, Rate):
            mean = found.mean + math.sqrt(found.mean_variance) * rng.standard_t(max(1, found.people - 1), draws)
            total = rng.normal(active * mean, np.sqrt(active * found.spread))
            if not measure.negative:
                total = np.maximum(total, 0.0)
            out[measure.id] = _outcome(central_active * found.mean, total, discrete=False)
    return out


def _outcome(central: float, values: Any, discrete: bool) -> Outcome:
    import numpy as np  # see draw

    low, high = np.quantile(values, [LOW, HIGH], method="inverted_cdf" if discrete else "linear")
    return Outcome(float(central), float(low), float(high))


# -- the stages, the month and the people ------------------------------------------------------------

def next_stage(plan: Plan, stage: Stage) -> Stage | None:
    """The stage that starts after `stage` (stages start in increasing order); None for the last."""
    return next((s for s in plan.stages if s.starts_on > stage.starts_on), None)


def forecastable(plan: Plan, current: Stage) -> tuple[Stage, ...]:
    """The stages a forecast from `current`'s months may be of: `current` (at another number of people) and every
    later stage, in plan order."""
    return tuple(s for s in plan.stages if s.starts_on >= current.starts_on)


def _either(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def target_stage(plan: Plan, current: Stage, chosen: str | None) -> Stage:
    """The stage to forecast: `chosen`, or the stage after `current`. InputError (listing the plan's stages) for
    an unknown id and for a stage that ended before `current` began; NoNextStage when none is chosen and
    `current` is the plan's last."""
    if chosen is None:
        found = next_stage(plan, current)
        if found is None:
            raise NoNextStage(f"stage '{current.id}' is the last stage of the plan, so there is no next stage to "
                              "forecast; choose the stage to forecast (the same stage forecasts it at another "
                              "number of people).")
        return found
    target = plan.stage(chosen)
    if target.starts_on < current.starts_on:
        raise InputError(f"stage '{target.id}' comes before stage '{current.id}', whose months the forecast "
                         f"learns from; choose {_either([s.id for s in forecastable(plan, current)])}.")
    return target


def first_full_month(target: Stage, period: Window) -> date:
    """The first day of the forecast month: the first calendar month wholly in `target` (from its start), and
    not before the month after the evidence."""
    try:
        start = target.starts_on if target.starts_on.day == 1 else add_months(target.starts_on, 1)
        return max(start, add_months(period.end, 1))
    except (ValueError, OverflowError):  # the calendar ends (year 9999) before a full month of the stage
        raise InputError(f"stage '{target.id}' has no full calendar month before the calendar ends (it starts on "
                         f"{day_label(target.starts_on)}), so there is no month to forecast.") from None


def _departments(stage: Stage) -> str:
    """A stage's departments in words: 'legal, sales', 'every department' for `*`, 'none' for none."""
    if "*" in stage.departments:
        return "every department"
    return ", ".join(stage.departments) or "none"


ROSTER_SQL = """
        select count(*) from roster
        where (list_contains(cast($departments as varchar[]), '*') or list_contains(cast($departments as varchar[]),
                                                                                      department))
          and (access_revoked_on is null or access_revoked_on > $month)"""


def people_for(con: duckdb.DuckDBPyConnection, target: Stage, ask: Ask, month: date) -> tuple[int, PeopleSource]:
    """The people who will have access in `target`: the number asked, else its expected_users, else the roster's
    people in its departments whose access is not revoked by `month`. InputError when none of these gives any."""
    if ask.users is not None:
        return ask.users, "given"
    if target.expected_users is not None:
        return target.expected_users, "plan"
    params = {"departments": list(target.departments), "month": month}
    row = con.execute(ROSTER_SQL, bind(ROSTER_SQL, params)).fetchone()
    found = int(row[0]) if row else 0
    if not found:
        raise InputError(f"stage '{target.id}' has no expected_users in the plan and the roster lists nobody in "
                         f"its departments ({_departments(target)}); set expected_users for the stage in the plan, or "
                         "give the number of people.")
    return found, "roster"


# -- the forecast --------------------------------------------------------------------------------------

def current_stage(plan: Plan, day: date) -> Stage:
    """The stage in force on `day`; InputError when none is (before the plan's first stage)."""
    found = stage_on(plan, day)
    if found is None:
        first = min(s.starts_on for s in plan.stages)
        raise InputError(f"no stage of the plan is in force on {day_label(day)}, so there are no months to forecast "
                         f"from; choose a month from {month_label(month_key(first))}, when the first stage starts.")
    return found


def forecast(con: duckdb.DuckDBPyConnection, plan: Plan, stage_id: str, window: Window, ask: Ask = NEXT_STAGE, *,
             draws: int = DRAWS, seed: int = SEED) -> Forecast:
    """The forecast of `ask` from stage `stage_id` judged on `window` (its review period; the window's filters
    are dropped). InputError for an unknown stage, a stage that ended before it, no people to scale to or an ask
    out of range; NoNextStage when none is asked and `stage_id` is the last; gates.period.NotInForce when the
    stage was not in force in the window."""
    ask = ask.checked()
    current = plan.stage(stage_id)
    target = target_stage(plan, current, ask.stage)
    period = review_period(plan, current, replace(window, department=None, use_case=None))
    p = period.window
    month = first_full_month(target, p)
    people, source = people_for(con, target, ask, month)
    ev = evidence(con, plan, p)
    # The period's tickets, incidents and review time as the metrics count them (support.tickets, risk.incidents,
    # value.review_hours and rework_hours), and which exports do not cover it: no scan of usage.
    facts = period_facts(con, plan.metric_context(), Periods(p, by_month=False))[0][1]
    uncovered = gaps(con, [p], {d for m in MEASURES for d in REGISTRY[m.metric].needs})[0]
    overhead = None if "reviews" in uncovered else (
        (facts.reviews.review_minutes + facts.reviews.rework_minutes) / 60 / ev.all_interactions
        if ev.all_interactions else 0.0)
    share = share_of(ev)
    counts = {"support_tickets": facts.tickets.opened, "incidents": facts.incidents.incidents}
    rates, missing = _rates(ev, share, counts, overhead, _reasons(ev, uncovered))
    outcomes = draw(share, people, ask.damping, rates, draws=draws, seed=seed) if share is not None else {}
    measures = tuple(_measure(m, outcomes.get(m.id), rates.get(m.id), share, missing.get(m.id), plan.currency)
                     for m in MEASURES)
    return Forecast(
        stage=StageName(id=target.id, name=target.name), from_stage=StageName(id=current.id, name=current.name),
        month=month_key(month), period=EvidencePeriod(from_=p.start, to=p.end, months=round(months_of(p), 4)),
        people=People(count=people, source=source), damping=ask.damping, currency=plan.currency,
        method=Method(draws=draws, seed=seed, coverage=COVERAGE), measures=measures,
        assumptions=assumptions(current, target, period, ev, share, overhead, people, source, ask.damping, month,
                                draws))


NOBODY_WITH_ACCESS = "nobody had access in the period (no roster row gives access on any of its days)"
NOBODY_ACTIVE = "nobody used the tool in the period, so there is no rate per active person to scale"
NO_COST = "no usage row of the period carries a cost (the export has no cost column)"


def _reasons(ev: Evidence, uncovered: Mapping[str, Gap]) -> dict[str, list[str]]:
    """Why each measure's metric would have no value over the period, as metrics.compute says it (DESIGN.md §3):
    an export it needs does not cover the period, or, for the people counted, no usage row names a person."""
    found = {m.id: [uncovered[d].reason for d in REGISTRY[m.metric].needs if d in uncovered] for m in MEASURES}
    if ev.all_interactions > 0 and ev.sums["interactions"].total == 0:
        found["active_users"].append(NO_PEOPLE)
    return found


def _rates(ev: Evidence, share: Share | None, counts: Mapping[str, float], overhead: float | None,
           reasons: Mapping[str, list[str]]) -> tuple[dict[str, Rate | CountRate], dict[str, str]]:
    """The rate of every measure that has one, and why the others have none (their own reasons, and the active
    users' when those cannot be forecast: every measure scales with them)."""
    active_reasons = reasons["active_users"] or ([] if share is not None else [NOBODY_WITH_ACCESS])
    missing: dict[str, list[str]] = {}
    rates: dict[str, Rate | CountRate] = {}
    for m in MEASURES:
        said = [*active_reasons, *(reasons[m.id] if m.model != "share" else ())]
        if m.model != "share" and not said and ev.exposure <= 0:
            said.append(NOBODY_ACTIVE)
        if m.id == "usage_cost" and not said and not ev.costed:
            said.append(NO_COST)
        if said:
            missing[m.id] = list(dict.fromkeys(said))
        elif m.model == "count":
            rates[m.id] = CountRate(float(counts[m.id]), ev.exposure)
        elif m.model == "sum":
            sums = ev.net_hours(overhead or 0.0) if m.id == "net_hours_saved" else ev.sums[m.id]
            rates[m.id] = rate_of(sums, ev.exposure, ev.ww, ev.active_people)
    return rates, {k: "; ".join(v) for k, v in missing.items()}


def _measure(m: MeasureDef, outcome: Outcome | None, rate: Rate | CountRate | None, share: Share | None,
             missing: str | None, currency: str) -> MeasureForecast:
    if m.model == "share":
        value = share.value if share is not None else None
        words = ("no data" if value is None else
                 f"{value:.0%} of the people with access used the tool in an average month")
    else:
        value = rate.mean if rate is not None else None
        amount = "no data" if value is None else (f"{currency} {value:,.2f}" if m.unit == "currency" else
                                                  f"{value:,.2f} h" if m.unit == "hours" else f"{value:,.2f}")
        words = amount if value is None else f"{amount} per active person a month"
    if outcome is None or missing:
        return MeasureForecast(id=m.id, label=m.label, unit=m.unit, central=None, low=None, high=None, rate=value,
                               rate_text=words, missing=missing or NOBODY_WITH_ACCESS)
    return MeasureForecast(id=m.id, label=m.label, unit=m.unit, central=outcome.central, low=outcome.low,
                           high=outcome.high, rate=value, rate_text=words)


# -- the assumptions, in plain words -------------------------------------------------------------------

def _period_words(period: ReviewPeriod) -> str:
    p = period.window
    if period.months:
        count = len(period.months)
        return (f"{months_label(month_key(p.start), month_key(p.end))} ({count} whole month"
                f"{'s' if count != 1 else ''})")
    days = p.days
    return f"{day_label(p.start)} – {day_label(p.end)} ({days} day{'s' if days != 1 else ''})"


def assumptions(current: Stage, target: Stage, period: ReviewPeriod, ev: Evidence, share: Share | None,
                overhead: float | None, people: int, source: PeopleSource,
                damping: float, month: date, draws: int) -> tuple[str, ...]:
    """What the forecast assumes, one sentence each, in the order a manager checks them."""
    p = period.window
    said = [f"Rates: those of stage {current.id} ({current.name}) over {_period_words(period)}: {ev.people:,} "
            f"people had access and {ev.active_people:,} of them used the tool."]
    if not period.months:
        said.append(f"The period is shorter than a whole month ({p.days} days): monthly rates are scaled up "
                    f"from it, and the share of people who used the tool in {p.days} days probably understates a "
                    "whole month.")
    first = day_label(month)
    if source == "given":
        said.append(f"People: {people:,} will have access in stage {target.id}, the number given for this "
                    "forecast.")
    elif source == "plan":
        said.append(f"People: {people:,} will have access in stage {target.id}, its expected_users in the plan.")
    else:
        said.append(f"People: the plan gives no expected_users for stage {target.id}, so the forecast uses the "
                    f"{people:,} people the roster lists in its departments ({_departments(target)}) whose access "
                    f"is not revoked before {first}. The roster may not list people who have not been given access "
                    "yet: set expected_users in the plan when the number is known.")
    if share is not None:
        if damping == 1:
            said.append(f"Damping 1: the new stage's people are assumed to use the tool as the current ones do "
                        f"({share.value:.0%} of them in a month). Pilot users often volunteer; a damping below 1 "
                        "(e.g. 0.7) scales the share of active people, and with it every measure, down.")
        else:
            said.append(f"Damping {damping:g}: the new stage's people are assumed {damping:.0%} as likely to use "
                        f"the tool as the current ones ({min(1.0, damping * share.value):.0%} of them in a month "
                        f"instead of {share.value:.0%}); every measure scales with the active people.")
    said.append("Each active person is assumed to do in the month what an active person did in an average month "
                "of the period: as many interactions, tickets and incidents, the same usage cost and hours saved.")
    if overhead is not None:
        said.append(f"Net hours saved: the hours saved by kept outputs, less review and rework time at the "
                    f"period's {overhead * 60:.1f} minutes per interaction.")
    organisation = ev.all_interactions - ev.sums["interactions"].total
    if organisation > 0.5:
        said.append(f"Per-person rates count only usage rows that name a person; {organisation:,.0f} "
                    "interactions of the period come from exports without people and are left out of them.")
    if target.starts_on == month:
        when = f"it starts on {first}"
    elif target.starts_on > p.end:
        when = f"it starts on {day_label(target.starts_on)}, partway through a month"
    else:
        when = f"the first month after the evidence; the stage has been in force since {day_label(target.starts_on)}"
    said.append(f"Month: {month_label(month_key(month))}, the first full calendar month of stage {target.id} "
                f"({when}).")
    said.append(f"Ranges: {COVERAGE:.0%} of {draws:,} simulated months fall inside them (10th to 90th "
                "percentile). They allow for the uncertainty of the current rates, counting people rather than "
                "months as independent, and for chance from month to month; not for changes in the tool, its "
                "rules, the people or their work.")
    return tuple(said)

