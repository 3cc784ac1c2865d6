"""Every metric Rollgate computes, declared once (DESIGN.md §3).

The gate engine, the pages, the command line and docs/metrics.md read this registry; nothing
else lists metrics. A metric's id is `family.name`; its `n` says what its sample size counts
(None when it has none), `interval` marks the proportions that carry a 95% Wilson interval, and
`share` the metrics that are a part of a whole (between 0 and 1; budget use and value to cost are
ratios that may exceed 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["quality", "value", "cost", "risk", "adoption", "support"]
Unit = Literal["ratio", "count", "hours", "currency", "minutes", "score"]
Direction = Literal["higher", "lower"]

FAMILIES: tuple[Family, ...] = ("quality", "value", "cost", "risk", "adoption", "support")

FAMILY_QUESTIONS: dict[Family, str] = {
    "quality": "Were outputs accurate enough after human review?",
    "value": "Does the tool save more time than reviewing and fixing its outputs costs?",
    "cost": "Did costs stay reasonable and within budget?",
    "risk": "Were incidents rare, handled, and was use kept to people with access?",
    "adoption": "Did the right, trained people use it, within the approved use cases?",
    "support": "Did support requests reveal confusion, and are users satisfied?",
}


@dataclass(frozen=True)
class MetricDef:
    """A metric's declaration: what it is, how to read it, and what feeds it."""

    id: str
    label: str
    unit: Unit
    direction: Direction
    meaning: str
    formula: str
    sources: tuple[str, ...]
    n: str | None = None          # what the sample size counts, when the metric has one
    interval: bool = False        # a proportion carrying a 95% Wilson interval
    why: str = ""                 # why it matters for a gate decision, for docs/metrics.md
    share: bool = False           # a part of a whole, between 0 and 1 (a plan's limits on it must be too)

    @property
    def family(self) -> Family:
        return self.id.split(".", 1)[0]  # type: ignore[return-value]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


def _m(id_: str, label: str, unit: Unit, direction: Direction, meaning: str, formula: str,
       sources: tuple[str, ...], n: str | None = None, interval: bool = False, why: str = "",
       share: bool | None = None) -> MetricDef:
    """A metric's declaration; a proportion with an interval is a share unless said otherwise."""
    return MetricDef(id_, label, unit, direction, meaning, formula, sources, n, interval, why,
                     interval if share is None else share)


METRICS: tuple[MetricDef, ...] = (
    # quality
    _m("quality.reviewed_outputs", "Reviewed outputs", "count", "higher",
       "How many outputs a person reviewed in the window.", "count of reviews", ("reviews",),
       why="Every quality rate rests on it: with too few reviews a gate cannot judge quality (its min_sample)."),
    _m("quality.error_rate", "Error rate", "ratio", "lower",
       "Share of reviewed outputs that needed correction or were rejected.",
       "reviews with outcome corrected or rejected ÷ reviews", ("reviews",), "reviews", True,
       why="The core accuracy test: when too many outputs need fixing after review, limit the rollout before it "
           "grows."),
    _m("quality.severe_error_rate", "Severe error rate", "ratio", "lower",
       "Share of reviewed outputs with a major or critical error.",
       "reviews with error_severity major or critical ÷ reviews", ("reviews",), "reviews", True,
       why="Major and critical errors are the ones that do harm; a rise calls for redesign or extra review, "
           "whatever the overall error rate."),
    _m("quality.rejection_rate", "Rejection rate", "ratio", "lower",
       "Share of reviewed outputs the reviewer rejected outright.",
       "reviews with outcome rejected ÷ reviews", ("reviews",), "reviews", True,
       why="An output thrown away saves nothing; a high share suggests the use case does not suit the tool."),
    _m("quality.rework_minutes_per_review", "Rework per review", "minutes", "lower",
       "Average minutes spent fixing an output, over all reviews.",
       "sum of rework_minutes ÷ reviews (missing minutes count as 0)", ("reviews",), "reviews",
       why="Time spent fixing eats the time saved; rising rework weakens the case for expanding."),
    _m("quality.acceptance_rate", "Acceptance rate", "ratio", "higher",
       "Share of outputs users kept (accepted or edited), of those with a recorded action.",
       "interactions with output_action accepted or edited ÷ interactions with an output_action",
       ("usage",), "interactions with an action", True,
       why="Shows whether users themselves find outputs good enough to keep, including outputs nobody reviewed."),
    # value
    _m("value.gross_hours_saved", "Gross hours saved", "hours", "higher",
       "Hours the tool saved before counting review and rework.",
       "Σ interactions × minutes_saved (or the use case's default) ÷ 60, over uses whose output was "
       "accepted, edited or has no recorded action", ("usage",),
       why="The upper bound of the benefit, before the cost of checking outputs is paid."),
    _m("value.review_hours", "Review hours", "hours", "lower",
       "Hours people spent reviewing outputs.", "Σ review_minutes ÷ 60", ("reviews",),
       why="The price of human oversight; it must stay well below the hours saved."),
    _m("value.rework_hours", "Rework hours", "hours", "lower",
       "Hours people spent fixing outputs.", "Σ rework_minutes ÷ 60", ("reviews",),
       why="Time spent correcting outputs; a stage whose rework approaches its savings is not ready to grow."),
    _m("value.net_hours_saved", "Net hours saved", "hours", "higher",
       "Hours saved after review and rework are paid for.",
       "gross hours saved − review hours − rework hours", ("usage", "reviews"),
       why="The benefit that survives review and rework: the number that justifies an expansion."),
    _m("value.net_hours_per_active_user", "Net hours per active user", "hours", "higher",
       "Net hours saved for each person who used the tool.",
       "net hours saved ÷ active users", ("usage", "reviews"), "active users",
       why="Net benefit per person, comparable across stages of different sizes; a gate sets the minimum worth "
           "expanding for."),
    _m("value.net_value", "Net value", "currency", "higher",
       "Net hours saved, priced at the plan's hourly rate.", "net hours saved × hourly rate",
       ("usage", "reviews"),
       why="The net benefit in money, to set beside the cost family."),
    # cost
    _m("cost.cash_cost", "Cash cost", "currency", "lower",
       "Money spent on the tool in the months the window touches.",
       "Σ amount of cost lines whose month overlaps the window (a month counts whole)", ("costs",),
       why="What was actually paid; set against the stage's budget."),
    _m("cost.labour_cost", "Labour cost", "currency", "lower",
       "What review, rework and support handling cost in people's time.",
       "(review + rework minutes of reviews in the window + handling minutes of tickets opened in it) "
       "÷ 60 × hourly rate", ("reviews", "support"),
       why="The hidden cost of oversight and support, which grows with every user added."),
    _m("cost.total_cost", "Total cost", "currency", "lower",
       "Cash and labour cost together.", "cash cost + labour cost", ("costs", "reviews", "support"),
       why="The full cost that a decision to expand takes on."),
    _m("cost.cost_per_active_user", "Cost per active user", "currency", "lower",
       "Total cost for each person who used the tool.", "total cost ÷ active users",
       ("costs", "reviews", "support", "usage"), "active users",
       why="The unit cost: what each additional user will cost at the next stage."),
    _m("cost.value_to_cost_ratio", "Value to cost", "ratio", "higher",
       "Value of the time saved for each unit of money spent (above 1 pays for itself).",
       "gross hours saved × hourly rate ÷ total cost", ("usage", "costs", "reviews", "support"),
       why="Below 1 the tool costs more than the time it saves is worth; a gate asks for a margin above 1."),
    _m("cost.budget_utilisation", "Budget used", "ratio", "lower",
       "Share of the stage's budget spent (1 = exactly on budget).",
       "cash cost ÷ (monthly budget of the stage in force on the window's end × months the window touches)",
       ("costs",),
       why="Did costs stay within what the plan approved for this stage? Above 1 is an overrun."),
    # risk
    _m("risk.incidents", "Incidents", "count", "lower",
       "Incidents reported in the window.", "count of incidents", ("incidents",),
       why="How often something went wrong; each incident needs handling before the rollout grows."),
    _m("risk.high_severity_incidents", "High-severity incidents", "count", "lower",
       "Incidents of high or critical severity.", "incidents with severity high or critical", ("incidents",),
       why="Serious incidents are a reason to stop, not something to average out; a gate usually allows none."),
    _m("risk.data_exposure_incidents", "Data exposure incidents", "count", "lower",
       "Incidents where data was exposed or privacy was breached.",
       "incidents with category data_exposure or privacy", ("incidents",),
       why="One data exposure can outweigh every hour saved; usually a pause trigger."),
    _m("risk.complaints", "Complaints", "count", "lower",
       "Complaints recorded as incidents.", "incidents with category complaint", ("incidents",),
       why="Complaints show harm as the people affected see it."),
    _m("risk.incident_rate_per_1k", "Incidents per 1,000 uses", "count", "lower",
       "How often something went wrong, per thousand uses.", "incidents ÷ interactions × 1000",
       ("incidents", "usage"), "interactions",
       why="Incidents in proportion to use, so a bigger stage is not judged worse just for being bigger."),
    _m("risk.open_high_severity", "Open high-severity incidents", "count", "lower",
       "High or critical incidents not yet resolved at the window's end.",
       "high/critical incidents reported by the end whose resolved_at is empty or after the end",
       ("incidents",),
       why="Were incidents handled? Serious incidents still open at the end mean the stage is not under control."),
    _m("risk.unauthorised_use_share", "Use without access", "ratio", "lower",
       "Share of use by people who had no active access that day.",
       "interactions by users without active access on that day ÷ interactions", ("usage", "roster"),
       "interactions", True,
       why="Use by people without access shows that access control is not holding; limit before expanding."),
    # adoption
    _m("adoption.users_with_access", "Users with access", "count", "higher",
       "People who had access on at least one day of the window.",
       "roster users with active access on some day of the window", ("roster",),
       why="The people the stage was meant to reach; the base of activation and training completion."),
    _m("adoption.active_users", "Active users", "count", "higher",
       "People who used the tool at least once.", "distinct users with at least one interaction", ("usage",),
       why="Who actually used the tool; the base of every per-user figure."),
    _m("adoption.activation_rate", "Activation", "ratio", "higher",
       "Share of people with access who actually used the tool.",
       "users with access who used it in the window ÷ users with access", ("roster", "usage"),
       "users with access", True,
       why="Low activation means access was granted but the tool is not useful or not understood."),
    _m("adoption.interactions", "Interactions", "count", "higher",
       "How many times the tool was used.", "Σ interactions", ("usage",),
       why="The volume of use; the base of every per-interaction rate."),
    _m("adoption.interactions_per_active_user", "Uses per active user", "count", "higher",
       "Average uses for each person who used the tool.", "interactions ÷ active users", ("usage",),
       "active users",
       why="Depth of use: occasional use rarely saves much."),
    _m("adoption.heavy_user_share", "Heavy-user share", "ratio", "lower",
       "Share of all use made by the most active 10% of users (high means a few people carry it).",
       "interactions of the top 10% of active users (rounded up) ÷ interactions", ("usage",), "interactions",
       why="When a few people carry the use, the results may not hold once the tool reaches everyone.",
       share=True),
    _m("adoption.scope_drift_share", "Scope drift", "ratio", "lower",
       "Share of use outside the approved stage, department, use case or access.",
       "interactions not in scope ÷ interactions", ("usage", "roster"), "interactions", True,
       why="Did users follow the approved use cases? Drift means use is running ahead of its controls; limit "
           "before expanding."),
    _m("adoption.training_completion_rate", "Training completion", "ratio", "higher",
       "Share of people with access who completed every module the current stage requires.",
       "users with access who completed every required module by the end ÷ users with access",
       ("roster", "training"), "users with access", True,
       why="People must be trained before they use the tool; the readiness checklist asks for 90%."),
    _m("adoption.untrained_active_users", "Untrained active users", "count", "lower",
       "People who used the tool before completing the training their stage requires.",
       "active users who, on the day of their first use in the window, had not completed every module the "
       "stage of that day requires",
       ("usage", "training"),
       why="Each is someone using the tool without the training the stage requires: a control failure to fix."),
    # support
    _m("support.tickets", "Tickets", "count", "lower",
       "Support tickets opened in the window.", "count of tickets opened", ("support",),
       why="The support load that the next stage will multiply."),
    _m("support.tickets_per_100_users", "Tickets per 100 users", "count", "lower",
       "Support load relative to the people using the tool.", "tickets ÷ active users × 100",
       ("support", "usage"), "active users",
       why="Support load in proportion to users, comparable across stages."),
    _m("support.confusion_share", "Confusion share", "ratio", "lower",
       "Share of tickets that show confusion: how-to, allowed use, data rules, review.",
       "tickets in how_to, allowed_use, data_rules or review ÷ tickets", ("support",), "tickets", True,
       why="Did support requests reveal confusion? How-to, allowed-use, data-rule and review questions point to "
           "gaps in guidance or training."),
    _m("support.median_resolution_hours", "Median resolution time", "hours", "lower",
       "Typical hours from opening to closing a ticket.",
       "median hours of closed_at − opened_at over tickets closed in the window (even count: mean of the two "
       "middle values)", ("support",), "closed tickets",
       why="Whether people get help in time; slow answers push them to work around the rules."),
    _m("support.open_tickets", "Open tickets", "count", "lower",
       "Tickets still open at the window's end.",
       "tickets opened by the end whose closed_at is empty or after the end", ("support",),
       why="A backlog at the window's end: support is not keeping up."),
    _m("support.repeated_topics", "Repeated topics", "count", "lower",
       "Topics asked about three times or more: candidates for guidance or training.",
       "distinct topics (lower-cased, trimmed, runs of spaces collapsed) with 3 or more tickets opened in the "
       "window", ("support",),
       why="The same question asked again and again is a gap in guidance to close before more users arrive."),
    _m("support.satisfaction", "Satisfaction", "score", "higher",
       "Average satisfaction score from user feedback (1-5).", "mean satisfaction of feedback",
       ("feedback",), "responses",
       why="How users judge the tool; low satisfaction predicts abandonment at the next stage."),
)

REGISTRY: dict[str, MetricDef] = {m.id: m for m in METRICS}


def by_family(family: Family) -> tuple[MetricDef, ...]:
    """The metrics of one family, in declaration order."""
    return tuple(m for m in METRICS if m.family == family)


def get(metric_id: str) -> MetricDef:
    """The declaration of `metric_id`; KeyError names the id when it is unknown."""
    return REGISTRY[metric_id]
