"""Every metric Rollgate computes, declared once (DESIGN.md §3).

The gate engine, the pages, the command line and docs/metrics.md read this registry; nothing
else lists metrics. Each metric is a declaration with named fields (MetricDef): its id
`family.name`, label, unit, direction and meaning; `n`, what its sample size counts (None when it
has none); `interval`, the proportions that carry a 95% Wilson interval; `share`, a part of a
whole (between 0 and 1; budget use and value to cost are ratios that may exceed 1); `needs`, the
datasets that must cover a window for it to have a value, and `span`, which days they must cover
(the window, or for the seat, cohort and retention metrics of DESIGN.md §12 the days before its end
date that they look at: metrics.seats.span); `accumulates`, whether it grows with the window's
length. Its formula is in its family's module (metrics.quality, …), from the facts of metrics.facts.
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


Dataset = Literal["usage", "reviews", "costs", "incidents", "support", "roster", "training", "feedback"]
# The days a metric looks at, which the datasets it needs must cover (metrics.seats.span): the window, the
# 30 or 28 days ending on its end date, or the calendar month holding its end date and the month before.
Span = Literal["window", "last 30 days", "last 28 days", "last two months"]


@dataclass(frozen=True, kw_only=True)
class MetricDef:
    """A metric's declaration (DESIGN.md §3): what it is, how to read it, and what feeds it."""

    id: str                        # family.name
    label: str
    unit: Unit
    direction: Direction           # which way is better
    meaning: str                   # one line for managers
    formula: str                   # the definition in words, for docs/metrics.md
    sources: tuple[Dataset, ...]   # every dataset the definition mentions
    needs: tuple[Dataset, ...]     # those that must cover the window for the metric to have a value
    n: str | None = None           # what the sample size counts, when the metric has one
    interval: bool = False         # a proportion carrying a 95% Wilson interval
    share: bool = False            # a part of a whole, between 0 and 1 (a plan's limits on it must be too)
    accumulates: bool = False      # grows with the window's length: a gate judges it per month
    per_user: bool = False         # counts people, or tests each person: only usage rows that name people count
    span: Span = "window"          # the days `needs` must cover: the window, or a span ending on its end date
    why: str = ""                  # why it matters for a gate decision, for docs/metrics.md

    @property
    def family(self) -> Family:
        return self.id.split(".", 1)[0]  # type: ignore[return-value]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


METRICS: tuple[MetricDef, ...] = (
    # quality
    MetricDef(
        id="quality.reviewed_outputs", label="Reviewed outputs", unit="count", direction="higher",
        meaning="How many outputs a person reviewed in the window.",
        formula="count of reviews",
        sources=("reviews",), needs=("reviews",), accumulates=True,
        why="Every quality rate rests on it: with too few reviews a gate cannot judge quality (its min_sample).",
    ),
    MetricDef(
        id="quality.error_rate", label="Error rate", unit="ratio", direction="lower",
        meaning="Share of reviewed outputs that needed correction or were rejected.",
        formula="reviews with outcome corrected or rejected ÷ reviews",
        sources=("reviews",), needs=("reviews",), n="reviews", interval=True, share=True,
        why="The core accuracy test: when too many outputs need fixing after review, limit the rollout before it "
            "grows.",
    ),
    MetricDef(
        id="quality.severe_error_rate", label="Severe error rate", unit="ratio", direction="lower",
        meaning="Share of reviewed outputs with a major or critical error.",
        formula="reviews with error_severity major or critical ÷ reviews",
        sources=("reviews",), needs=("reviews",), n="reviews", interval=True, share=True,
        why="Major and critical errors are the ones that do harm; a rise calls for redesign or extra review, "
            "whatever the overall error rate.",
    ),
    MetricDef(
        id="quality.rejection_rate", label="Rejection rate", unit="ratio", direction="lower",
        meaning="Share of reviewed outputs the reviewer rejected outright.",
        formula="reviews with outcome rejected ÷ reviews",
        sources=("reviews",), needs=("reviews",), n="reviews", interval=True, share=True,
        why="An output thrown away saves nothing; a high share suggests the use case does not suit the tool.",
    ),
    MetricDef(
        id="quality.rework_minutes_per_review", label="Rework per review", unit="minutes", direction="lower",
        meaning="Average minutes spent fixing an output, over all reviews.",
        formula="sum of rework_minutes ÷ reviews (missing minutes count as 0)",
        sources=("reviews",), needs=("reviews",), n="reviews",
        why="Time spent fixing eats the time saved; rising rework weakens the case for expanding.",
    ),
    MetricDef(
        id="quality.acceptance_rate", label="Acceptance rate", unit="ratio", direction="higher",
        meaning="Share of outputs users kept (accepted or edited), of those with a recorded action.",
        formula="interactions with output_action accepted or edited ÷ interactions with an output_action",
        sources=("usage",), needs=("usage",), n="interactions with an action", interval=True, share=True,
        why="Shows whether users themselves find outputs good enough to keep, including outputs nobody reviewed.",
    ),
    # value
    MetricDef(
        id="value.gross_hours_saved", label="Gross hours saved", unit="hours", direction="higher",
        meaning="Hours the tool saved before counting review and rework.",
        formula="Σ interactions × minutes_saved (or the use case's default) ÷ 60, over uses whose output was "
                "accepted, edited or has no recorded action",
        sources=("usage",), needs=("usage",), accumulates=True,
        why="The upper bound of the benefit, before the cost of checking outputs is paid.",
    ),
    MetricDef(
        id="value.review_hours", label="Review hours", unit="hours", direction="lower",
        meaning="Hours people spent reviewing outputs.",
        formula="Σ review_minutes ÷ 60",
        sources=("reviews",), needs=("reviews",), accumulates=True,
        why="The price of human oversight; it must stay well below the hours saved.",
    ),
    MetricDef(
        id="value.rework_hours", label="Rework hours", unit="hours", direction="lower",
        meaning="Hours people spent fixing outputs.",
        formula="Σ rework_minutes ÷ 60",
        sources=("reviews",), needs=("reviews",), accumulates=True,
        why="Time spent correcting outputs; a stage whose rework approaches its savings is not ready to grow.",
    ),
    MetricDef(
        id="value.net_hours_saved", label="Net hours saved", unit="hours", direction="higher",
        meaning="Hours saved after review and rework are paid for.",
        formula="gross hours saved − review hours − rework hours",
        sources=("usage", "reviews"), needs=("usage", "reviews"), accumulates=True,
        why="The benefit that survives review and rework: the number that justifies an expansion.",
    ),
    MetricDef(
        id="value.net_hours_per_active_user", label="Net hours per active user", unit="hours", direction="higher",
        meaning="Net hours saved for each person who used the tool.",
        formula="net hours saved ÷ active users",
        sources=("usage", "reviews"), needs=("usage", "reviews"), n="active users", accumulates=True, per_user=True,
        why="Net benefit per person, comparable across stages of different sizes; a gate sets the minimum worth "
            "expanding for.",
    ),
    MetricDef(
        id="value.net_value", label="Net value", unit="currency", direction="higher",
        meaning="Net hours saved, priced at the plan's hourly rate.",
        formula="net hours saved × hourly rate",
        sources=("usage", "reviews"), needs=("usage", "reviews"), accumulates=True,
        why="The net benefit in money, to set beside the cost family.",
    ),
    # cost
    MetricDef(
        id="cost.cash_cost", label="Cash cost", unit="currency", direction="lower",
        meaning="Money spent on the tool in the months the window touches.",
        formula="Σ amount of cost lines whose month overlaps the window (a month counts whole)",
        sources=("costs",), needs=("costs",), accumulates=True,
        why="What was actually paid; set against the stage's budget.",
    ),
    MetricDef(
        id="cost.labour_cost", label="Labour cost", unit="currency", direction="lower",
        meaning="What review, rework and support handling cost in people's time.",
        formula="(review + rework minutes of reviews in the window + handling minutes of tickets opened in it) ÷ 60 "
                "× hourly rate",
        sources=("reviews", "support"), needs=("reviews",), accumulates=True,
        why="The hidden cost of oversight and support, which grows with every user added.",
    ),
    MetricDef(
        id="cost.total_cost", label="Total cost", unit="currency", direction="lower",
        meaning="Cash and labour cost together.",
        formula="cash cost + labour cost",
        sources=("costs", "reviews", "support"), needs=("costs", "reviews"), accumulates=True,
        why="The full cost that a decision to expand takes on.",
    ),
    MetricDef(
        id="cost.cost_per_active_user", label="Cost per active user", unit="currency", direction="lower",
        meaning="Total cost for each person who used the tool.",
        formula="total cost ÷ active users",
        sources=("costs", "reviews", "support", "usage"), needs=("costs", "reviews", "usage"),
        n="active users", accumulates=True, per_user=True,
        why="The unit cost: what each additional user will cost at the next stage.",
    ),
    MetricDef(
        id="cost.value_to_cost_ratio", label="Value to cost", unit="ratio", direction="higher",
        meaning="Value of the time saved for each unit of money spent (above 1 pays for itself).",
        formula="gross hours saved × hourly rate ÷ total cost",
        sources=("usage", "costs", "reviews", "support"), needs=("costs", "reviews", "usage"),
        why="Below 1 the tool costs more than the time it saves is worth; a gate asks for a margin above 1.",
    ),
    MetricDef(
        id="cost.budget_utilisation", label="Budget used", unit="ratio", direction="lower",
        meaning="Share of the stage's budget spent (1 = exactly on budget).",
        formula="cash cost ÷ (monthly budget of the stage in force on the window's end × months the window touches)",
        sources=("costs",), needs=("costs",),
        why="Did costs stay within what the plan approved for this stage? Above 1 is an overrun.",
    ),
    MetricDef(
        id="cost.idle_seat_cost", label="Idle seat cost", unit="currency", direction="lower",
        meaning="What the seats nobody used cost per month, at the plan's seat price.",
        formula="idle seats (access on the window's end date, no interaction in the 30 days ending on it) × the "
                "plan's seat price (per seat and month; a plan without one gives no figure)",
        sources=("usage", "roster"), needs=("usage", "roster"), per_user=True, span="last 30 days",
        why="Money spent each month on access nobody uses: reclaim those licences before paying for the next "
            "stage's.",
    ),
    # risk
    MetricDef(
        id="risk.incidents", label="Incidents", unit="count", direction="lower",
        meaning="Incidents reported in the window.",
        formula="count of incidents",
        sources=("incidents",), needs=("incidents",), accumulates=True,
        why="How often something went wrong; each incident needs handling before the rollout grows.",
    ),
    MetricDef(
        id="risk.high_severity_incidents", label="High-severity incidents", unit="count", direction="lower",
        meaning="Incidents of high or critical severity.",
        formula="incidents with severity high or critical",
        sources=("incidents",), needs=("incidents",), accumulates=True,
        why="Serious incidents are a reason to stop, not something to average out; a gate usually allows none.",
    ),
    MetricDef(
        id="risk.data_exposure_incidents", label="Data exposure incidents", unit="count", direction="lower",
        meaning="Incidents where data was exposed or privacy was breached.",
        formula="incidents with category data_exposure or privacy",
        sources=("incidents",), needs=("incidents",), accumulates=True,
        why="One data exposure can outweigh every hour saved; usually a pause trigger.",
    ),
    MetricDef(
        id="risk.complaints", label="Complaints", unit="count", direction="lower",
        meaning="Complaints recorded as incidents.",
        formula="incidents with category complaint",
        sources=("incidents",), needs=("incidents",), accumulates=True,
        why="Complaints show harm as the people affected see it.",
    ),
    MetricDef(
        id="risk.incident_rate_per_1k", label="Incidents per 1,000 uses", unit="count", direction="lower",
        meaning="How often something went wrong, per thousand uses.",
        formula="incidents ÷ interactions × 1000",
        sources=("incidents", "usage"), needs=("incidents", "usage"), n="interactions",
        why="Incidents in proportion to use, so a bigger stage is not judged worse just for being bigger.",
    ),
    MetricDef(
        id="risk.open_high_severity", label="Open high-severity incidents", unit="count", direction="lower",
        meaning="High or critical incidents not yet resolved at the window's end.",
        formula="high/critical incidents reported by the end whose resolved_at is empty or after the end",
        sources=("incidents",), needs=("incidents",),
        why="Were incidents handled? Serious incidents still open at the end mean the stage is not under control.",
    ),
    MetricDef(
        id="risk.unauthorised_use_share", label="Use without access", unit="ratio", direction="lower",
        meaning="Share of use by people who had no active access that day.",
        formula="interactions by users without active access on that day ÷ interactions",
        sources=("usage", "roster"), needs=("usage", "roster"), n="interactions", interval=True, share=True,
        per_user=True,
        why="Use by people without access shows that access control is not holding; limit before expanding.",
    ),
    # adoption
    MetricDef(
        id="adoption.users_with_access", label="Users with access", unit="count", direction="higher",
        meaning="People who had access on at least one day of the window.",
        formula="roster users with active access on some day of the window",
        sources=("roster",), needs=("roster",), accumulates=True,
        why="The people the stage was meant to reach; the base of activation and training completion.",
    ),
    MetricDef(
        id="adoption.active_users", label="Active users", unit="count", direction="higher",
        meaning="People who used the tool at least once.",
        formula="distinct users with at least one interaction",
        sources=("usage",), needs=("usage",), accumulates=True, per_user=True,
        why="Who actually used the tool; the base of every per-user figure.",
    ),
    MetricDef(
        id="adoption.activation_rate", label="Activation", unit="ratio", direction="higher",
        meaning="Share of people with access who actually used the tool.",
        formula="users with access who used it in the window ÷ users with access",
        sources=("roster", "usage"), needs=("usage", "roster"), n="users with access", interval=True, share=True,
        per_user=True,
        why="Low activation means access was granted but the tool is not useful or not understood.",
    ),
    MetricDef(
        id="adoption.interactions", label="Interactions", unit="count", direction="higher",
        meaning="How many times the tool was used.",
        formula="Σ interactions",
        sources=("usage",), needs=("usage",), accumulates=True,
        why="The volume of use; the base of every per-interaction rate.",
    ),
    MetricDef(
        id="adoption.interactions_per_active_user", label="Uses per active user", unit="count", direction="higher",
        meaning="Average uses for each person who used the tool.",
        formula="interactions ÷ active users",
        sources=("usage",), needs=("usage",), n="active users", accumulates=True, per_user=True,
        why="Depth of use: occasional use rarely saves much.",
    ),
    MetricDef(
        id="adoption.heavy_user_share", label="Heavy-user share", unit="ratio", direction="lower",
        meaning="Share of all use made by the most active 10% of users (high means a few people carry it).",
        formula="interactions of the top 10% of active users (rounded up) ÷ interactions",
        sources=("usage",), needs=("usage",), n="interactions", share=True, per_user=True,
        why="When a few people carry the use, the results may not hold once the tool reaches everyone.",
    ),
    MetricDef(
        id="adoption.scope_drift_share", label="Scope drift", unit="ratio", direction="lower",
        meaning="Share of use outside the approved stage, department, use case or access.",
        formula="interactions not in scope ÷ interactions",
        sources=("usage", "roster"), needs=("usage", "roster"), n="interactions", interval=True, share=True,
        per_user=True,
        why="Did users follow the approved use cases? Drift means use is running ahead of its controls; limit before "
            "expanding.",
    ),
    MetricDef(
        id="adoption.training_completion_rate", label="Training completion", unit="ratio", direction="higher",
        meaning="Share of people with access who completed every module the current stage requires.",
        formula="users with access who completed every required module by the end ÷ users with access",
        sources=("roster", "training"), needs=("roster", "training"), n="users with access", interval=True, share=True,
        why="People must be trained before they use the tool; the readiness checklist asks for 90%.",
    ),
    MetricDef(
        id="adoption.untrained_active_users", label="Untrained active users", unit="count", direction="lower",
        meaning="People who used the tool before completing the training their stage requires.",
        formula="active users who, on the day of their first use in the window, had not completed every module the "
                "stage of that day requires",
        sources=("usage", "training"), needs=("usage", "training"), accumulates=True, per_user=True,
        why="Each is someone using the tool without the training the stage requires: a control failure to fix.",
    ),
    # adoption: seats, activity cohorts and retention (DESIGN.md §12), as of the window's end date
    MetricDef(
        id="adoption.idle_seats", label="Idle seats", unit="count", direction="lower",
        meaning="People with access on the window's last day who did not use the tool in the 30 days up to it.",
        formula="roster users with active access on the window's end date and no interaction in the 30 days ending "
                "on it (usage must cover those 30 days)",
        sources=("usage", "roster"), needs=("usage", "roster"), per_user=True, span="last 30 days",
        why="Seats nobody uses cost money and inflate the reach a stage seems to have; reclaim them before buying "
            "more for the next stage.",
    ),
    MetricDef(
        id="adoption.daily_users", label="Daily users", unit="count", direction="higher",
        meaning="People with access who used the tool on 15 or more of the 28 days up to the window's last day.",
        formula="users with active access on the window's end date who had interactions on 15 or more distinct UTC "
                "days of the 28 days ending on it (usage must cover those 28 days)",
        sources=("usage", "roster"), needs=("usage", "roster"), per_user=True, span="last 28 days",
        why="Habitual use: the people whose work has changed, and whose results are most likely to hold at the next "
            "stage.",
    ),
    MetricDef(
        id="adoption.weekly_users", label="Weekly users", unit="count", direction="higher",
        meaning="People with access who used the tool on 4 to 14 of the 28 days up to the window's last day.",
        formula="users with active access on the window's end date who had interactions on 4 to 14 distinct UTC days "
                "of the 28 days ending on it (usage must cover those 28 days)",
        sources=("usage", "roster"), needs=("usage", "roster"), per_user=True, span="last 28 days",
        why="Regular use, about once a week or more: the core a rollout grows from.",
    ),
    MetricDef(
        id="adoption.occasional_users", label="Occasional users", unit="count", direction="lower",
        meaning="People with access who used the tool on only 1 to 3 of the 28 days up to the window's last day.",
        formula="users with active access on the window's end date who had interactions on 1 to 3 distinct UTC days "
                "of the 28 days ending on it (usage must cover those 28 days)",
        sources=("usage", "roster"), needs=("usage", "roster"), per_user=True, span="last 28 days",
        why="People who tried the tool but have not made it part of their work: candidates for help or training "
            "before more people are given access.",
    ),
    MetricDef(
        id="adoption.new_users", label="New users", unit="count", direction="higher",
        meaning="People active in the window's last calendar month who had never used the tool before it.",
        formula="users active in the calendar month M holding the window's end date and never active before M "
                "(usage must cover M and the month before; earlier months count as far as they are loaded)",
        sources=("usage",), needs=("usage",), per_user=True, span="last two months",
        why="Whether the stage is still reaching people, or only serving those it reached first.",
    ),
    MetricDef(
        id="adoption.retained_users", label="Retained users", unit="count", direction="higher",
        meaning="People active both in the window's last calendar month and in the month before.",
        formula="users active in the calendar month M holding the window's end date and in the month before it "
                "(usage must cover both months)",
        sources=("usage",), needs=("usage",), per_user=True, span="last two months",
        why="People who keep using the tool month after month: evidence that it is worth the effort beyond the "
            "first try.",
    ),
    MetricDef(
        id="adoption.returning_users", label="Returning users", unit="count", direction="higher",
        meaning="People active in the window's last calendar month, not in the month before, but at some time "
                "earlier.",
        formula="users active in the calendar month M holding the window's end date, not active in the month "
                "before it, and active before that (usage must cover M and the month before; earlier months count "
                "as far as they are loaded)",
        sources=("usage",), needs=("usage",), per_user=True, span="last two months",
        why="People who came back after a pause: use that comes and goes with occasional tasks.",
    ),
    MetricDef(
        id="adoption.lapsed_users", label="Lapsed users", unit="count", direction="lower",
        meaning="People active in the month before the window's last calendar month who did not use the tool in it.",
        formula="users active in the month before the calendar month M holding the window's end date and not active "
                "in M (usage must cover both months)",
        sources=("usage",), needs=("usage",), per_user=True, span="last two months",
        why="People who stopped using the tool; many lapsing users mean it did not live up to its first impression.",
    ),
    # support
    MetricDef(
        id="support.tickets", label="Tickets", unit="count", direction="lower",
        meaning="Support tickets opened in the window.",
        formula="count of tickets opened",
        sources=("support",), needs=("support",), accumulates=True,
        why="The support load that the next stage will multiply.",
    ),
    MetricDef(
        id="support.tickets_per_100_users", label="Tickets per 100 users", unit="count", direction="lower",
        meaning="Support load relative to the people using the tool.",
        formula="tickets ÷ active users × 100",
        sources=("support", "usage"), needs=("support", "usage"), n="active users", accumulates=True, per_user=True,
        why="Support load in proportion to users, comparable across stages.",
    ),
    MetricDef(
        id="support.confusion_share", label="Confusion share", unit="ratio", direction="lower",
        meaning="Share of tickets that show confusion: how-to, allowed use, data rules, review.",
        formula="tickets in how_to, allowed_use, data_rules or review ÷ tickets",
        sources=("support",), needs=("support",), n="tickets", interval=True, share=True,
        why="Did support requests reveal confusion? How-to, allowed-use, data-rule and review questions point to "
            "gaps in guidance or training.",
    ),
    MetricDef(
        id="support.median_resolution_hours", label="Median resolution time", unit="hours", direction="lower",
        meaning="Typical hours from opening to closing a ticket.",
        formula="median hours of closed_at − opened_at over tickets closed in the window (even count: mean of the "
                "two middle values)",
        sources=("support",), needs=("support",), n="closed tickets",
        why="Whether people get help in time; slow answers push them to work around the rules.",
    ),
    MetricDef(
        id="support.open_tickets", label="Open tickets", unit="count", direction="lower",
        meaning="Tickets still open at the window's end.",
        formula="tickets opened by the end whose closed_at is empty or after the end",
        sources=("support",), needs=("support",),
        why="A backlog at the window's end: support is not keeping up.",
    ),
    MetricDef(
        id="support.repeated_topics", label="Repeated topics", unit="count", direction="lower",
        meaning="Topics asked about three times or more: candidates for guidance or training.",
        formula="distinct topics (lower-cased, trimmed, runs of spaces collapsed) with 3 or more tickets opened in "
                "the window",
        sources=("support",), needs=("support",), accumulates=True,
        why="The same question asked again and again is a gap in guidance to close before more users arrive.",
    ),
    MetricDef(
        id="support.satisfaction", label="Satisfaction", unit="score", direction="higher",
        meaning="Average satisfaction score from user feedback (1-5).",
        formula="mean satisfaction of feedback",
        sources=("feedback",), needs=("feedback",), n="responses",
        why="How users judge the tool; low satisfaction predicts abandonment at the next stage.",
    ),
)

REGISTRY: dict[str, MetricDef] = {m.id: m for m in METRICS}

# The metric that headlines each family: its Overview card and the first figure of its page.
HEADLINE: dict[Family, str] = {
    "quality": "quality.error_rate",
    "value": "value.net_hours_saved",
    "cost": "cost.total_cost",
    "risk": "risk.incidents",
    "adoption": "adoption.active_users",
    "support": "support.satisfaction",
}


def by_family(family: Family) -> tuple[MetricDef, ...]:
    """The metrics of one family, in declaration order."""
    return tuple(m for m in METRICS if m.family == family)


def get(metric_id: str) -> MetricDef:
    """The declaration of `metric_id`; KeyError names the id when it is unknown."""
    return REGISTRY[metric_id]
