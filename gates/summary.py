"""A gate review as a manager reads it at a glance (DESIGN.md §7): what each family's card headlines, whether
a change of that number matters to its gate, and the recommendation's reasons as one short line per issue.

The Evaluation keeps every explanation in full; this module only chooses and words: the family's
worst-status gated criterion (its key metric when all pass), and for the reasons one line per issue in
plain words — a fact said once even when a pause trigger and a gate both look at it — grouped by the
action each calls for, most severe first. Pure functions of the review record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.words import LIMIT_LABEL, NO_GATE, WARN_LABEL, sign, worst
from gates.criteria import CriterionResult, holds
from gates.plan import Outcome
from gates.readiness import TRAINED_ITEM, TRAINED_SHARE
from gates.recommend import RANK, Reason
from gates.review import TRAINING_METRIC, Evaluation
from gates.triggers import TriggerResult
from metrics.format import day_label, limit_text, value_text
from metrics.registry import HEADLINE, REGISTRY, Family

# -- the family cards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """What a family's card shows: `metric`, and the criterion judging it when the stage gates it."""

    family: Family
    metric: str
    criterion: CriterionResult | None
    status: str  # the family's light: the worst status of its criteria (NO_GATE without any)


def headline(ev: Evaluation, family: Family) -> Headline:
    """The family's worst-status gated criterion (the first of them in plan order), or its key metric
    (registry.HEADLINE) when every gate passes or it has none."""
    return headline_of(ev.criteria, family)


def headline_of(criteria: Sequence[CriterionResult], family: Family) -> Headline:
    """`headline` of a review's criteria, live or recorded in a snapshot."""
    crits = [c for c in criteria if c.family == family]
    status = worst(c.status for c in crits)
    if status not in ("pass", NO_GATE):
        chosen = next(c for c in crits if c.status == status)
        return Headline(family, chosen.metric, chosen, status)
    key = HEADLINE[family]
    return Headline(family, key, next((c for c in crits if c.metric == key), None), status)


def zone(c: CriterionResult, value: float) -> int:
    """Where `value` lies against the gate of `c`, by the value alone: 0 within the warn level (or the limit
    when there is none), 1 past the warn level but within the limit, 2 past the limit."""
    if not holds(c.op, value, c.threshold):
        return 2
    return 1 if c.warn is not None and not holds(c.op, value, c.warn) else 0


def change_matters(c: CriterionResult | None, before: float | None, now: float | None) -> bool:
    """Whether a change from `before` to `now` matters to the gate: it crossed the warn level or the limit.
    A change of an ungated metric, or one that stays on the same side of both, is shown without colour."""
    if c is None or before is None or now is None:
        return False
    return zone(c, before) != zone(c, now)


# -- the reasons ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One reason for the recommendation: the outcome it calls for, one line in plain words, and the full
    explanation(s) behind it."""

    outcome: Outcome
    text: str
    detail: str


ACTION_HEADINGS: dict[Outcome, str] = {
    "pause": "Pause the rollout",
    "redesign": "Redesign before going on",
    "limit": "Limit access",
    "continue": "Continue at this stage",
    "proceed": "Proceed",
}


def _allowed(metric: str, op: str, threshold: float, currency: str) -> str:
    """What a trigger allows, the opposite of what fires it: 'none' for fewer than 1 incident, 'below 2%'."""
    if REGISTRY[metric].unit == "count" and float(threshold).is_integer():
        if op == ">=":
            return "none" if threshold <= 1 else f"at most {limit_text(metric, threshold - 1, currency)}"
        return f"at least {limit_text(metric, threshold + 1, currency)}"
    return f"{'below' if op == '>=' else 'above'} {limit_text(metric, threshold, currency)}"


def _limit(c: CriterionResult, currency: str) -> str:
    """'limit ≤ 10%', with the warn level when there is one: 'limit ≤ 10%, warn level ≤ 7%'."""
    text = f"{LIMIT_LABEL.lower()} {sign(c.op)} {limit_text(c.metric, c.threshold, currency)}"
    if c.warn is not None:
        text += f", {WARN_LABEL.lower()} {sign(c.op)} {limit_text(c.metric, c.warn, currency)}"
    return text


def _evidence_short(metric: str, n: int | None, needed: int | None) -> str:
    noun = REGISTRY[metric].n or "observations"
    if n is None:
        return "no data"
    return f"only {n:,} {noun}" + (f" (needs {needed:,})" if needed is not None else "")


def _trigger_line(t: TriggerResult, gate: CriterionResult | None, currency: str) -> str:
    days = f"in the {t.window_days} days to {day_label(t.window_to)}"
    if t.status == "insufficient":
        return (f"{REGISTRY[t.metric].label}: not enough evidence for the pause trigger '{t.name}' {days} — "
                f"{_evidence_short(t.metric, t.n, t.min_sample)}")
    text = (f"{REGISTRY[t.metric].label}: {value_text(t.metric, t.value, currency)} {days} "
            f"(allowed: {_allowed(t.metric, t.op, t.threshold, currency)})")
    if gate is not None and gate.status in ("fail", "warn"):
        text += "; its gate " + ("fails too" if gate.status == "fail" else "warns too")
    return text


def _criterion_line(c: CriterionResult, currency: str) -> str:
    if c.status == "insufficient":
        if c.missing:
            return f"{c.label}: {c.missing}"
        return f"{c.label}: not enough evidence — {_evidence_short(c.metric, c.n, c.min_sample)}"
    basis = f" ({c.basis})" if c.basis else ""
    return f"{c.label}: {value_text(c.metric, c.value, currency)}{basis} ({_limit(c, currency)})"


def issues(ev: Evaluation) -> list[Issue]:
    """Every reason for the recommendation, one line each, most severe first (the order of
    gates.recommend): a fired or undecided pause trigger, then each gate that did not pass — unless a
    fired trigger on the same metric already says it — then the stage's age and readiness as the
    recommendation words them."""
    return issues_of(ev.criteria, ev.triggers, ev.recommendation.reasons, ev.currency)


def issues_of(criteria: Sequence[CriterionResult], triggers: Sequence[TriggerResult], reasons: Sequence[Reason],
              currency: str) -> list[Issue]:
    """`issues` of a review's parts, live or recorded in a snapshot."""
    fired_metrics = {t.metric for t in triggers if t.fired}
    by_metric = {c.metric: c for c in criteria}
    found: list[Issue] = []
    for t in triggers:
        if t.fired or t.status == "insufficient":
            outcome: Outcome = t.outcome if t.fired else "continue"
            found.append(Issue(outcome, _trigger_line(t, by_metric.get(t.metric) if t.fired else None,
                                                      currency), t.explanation))
    for c in criteria:
        if c.status == "pass" or (c.metric in fired_metrics and c.status in ("fail", "warn")):
            continue
        outcome = c.on_fail if c.status == "fail" else "continue"
        found.append(Issue(outcome, _criterion_line(c, currency), c.explanation))
    training = next((i for i, x in enumerate(found) if x.text.startswith(f"{REGISTRY[TRAINING_METRIC].label}:")), None)
    for r in reasons:
        if r.kind == "readiness" and r.detail.startswith(TRAINED_ITEM) and training is not None:
            # the same share of trained users as the training gate's line: said once, with the readiness level
            x = found[training]
            found[training] = Issue(x.outcome, f"{x.text}; readiness needs {TRAINED_SHARE:.0%}",
                                    f"{x.detail} {r.detail}")
        elif r.kind in ("duration", "readiness", "clear"):
            text = r.detail[0].upper() + r.detail[1:]
            found.append(Issue(r.outcome, text.removesuffix("."), r.detail))
    found.sort(key=lambda i: -RANK[i.outcome])
    return found


def grouped(found: Sequence[Issue]) -> list[tuple[Outcome, list[Issue]]]:
    """The issues under the action each calls for, most severe action first, in their order."""
    groups: dict[Outcome, list[Issue]] = {}
    for i in found:
        groups.setdefault(i.outcome, []).append(i)
    return sorted(groups.items(), key=lambda g: -RANK[g[0]])
