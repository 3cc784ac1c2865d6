"""Two snapshots side by side: what changed in the rules, the evidence, the judgement and the decision.

A change of rule must never pass for a change of evidence. So the comparison first says whether
the two reviews were judged against the same plan (sha256) and stage, and every criterion whose
rule differs (operator, threshold, warn level, minimum sample, on_fail, or a gate that only one
side has) is marked, whether or not its status changed. Then: decision and recommendation,
criteria whose status changed, pause triggers and readiness items that changed, every metric
with its change, and the ingestions one side read that the other did not.

`compare(a, b)` reads "from a to b"; it renders nothing but records, and `comparison_text` renders
those for the terminal.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.words import sign
from gates.criteria import CriterionResult
from metrics.format import display_unit, limit_text, value_text
from metrics.registry import REGISTRY
from snapshots.record import Snapshot

RULE_FIELDS = ("op", "threshold", "warn", "min_sample", "on_fail")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Side(_Model):
    """What one snapshot was: id, stage, window, plan, recommendation and decision."""

    id: int
    stage: str
    window_from: str
    window_to: str
    department: str | None
    use_case: str | None
    plan_name: str
    plan_sha256: str
    recommendation: str
    decision: str
    decided_by: str
    content_sha256: str

    @property
    def label(self) -> str:
        return f"#{self.id} ({self.stage}, {self.window_from} to {self.window_to}, decided {self.decision})"


class CriterionChange(_Model):
    """One gate in either snapshot: its status and value on each side, and whether its rule changed."""

    metric: str
    label: str
    status_a: str | None   # None: the gate is not in that snapshot
    status_b: str | None
    value_a: float | None
    value_b: float | None
    text_a: str
    text_b: str
    rule_a: str | None
    rule_b: str | None
    rule_changes: tuple[str, ...]  # e.g. "threshold 10% → 12%"; "gate added"; empty when the rule is the same

    @property
    def rule_changed(self) -> bool:
        return bool(self.rule_changes)

    @property
    def status_changed(self) -> bool:
        return self.status_a != self.status_b


class MetricChange(_Model):
    """One metric on both sides and the change from a to b (None when either side has no data)."""

    metric: str
    label: str
    family: str
    value_a: float | None
    value_b: float | None
    n_a: int | None
    n_b: int | None
    change: float | None
    text_a: str
    text_b: str
    change_text: str


class FlagChange(_Model):
    """A pause trigger (fired or not) or a readiness item (met or not) that changed."""

    name: str
    before: bool | None
    after: bool | None
    detail: str


class Comparison(_Model):
    a: Side
    b: Side
    same_plan: bool
    same_stage: bool
    same_window: bool
    notes: tuple[str, ...]              # plan / stage / filter differences, said first
    criteria: tuple[CriterionChange, ...]
    metrics: tuple[MetricChange, ...]
    triggers: tuple[FlagChange, ...]
    readiness: tuple[FlagChange, ...]
    decision_changes: tuple[tuple[str, str, str], ...]  # (field, a, b) for every decision field that differs
    sources_only_a: tuple[str, ...]
    sources_only_b: tuple[str, ...]

    @property
    def rule_changed(self) -> tuple[CriterionChange, ...]:
        return tuple(c for c in self.criteria if c.rule_changed)

    @property
    def status_changed(self) -> tuple[CriterionChange, ...]:
        return tuple(c for c in self.criteria if c.status_changed)

    def as_json(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        out["criteria"] = [{**c.model_dump(mode="json"), "rule_changed": c.rule_changed,
                            "status_changed": c.status_changed} for c in self.criteria]
        out["decision_changes"] = [{"field": f, "a": x, "b": y} for f, x, y in self.decision_changes]
        return out


# -- building the comparison --------------------------------------------------------------------------

def _side(s: Snapshot) -> Side:
    return Side(id=s.id, stage=s.stage.id, window_from=s.window.from_.isoformat(), window_to=s.window.to.isoformat(),
                department=s.window.department, use_case=s.window.use_case, plan_name=s.plan.name,
                plan_sha256=s.plan.sha256, recommendation=s.recommendation.outcome, decision=s.decision.outcome,
                decided_by=s.decision.decided_by, content_sha256=s.content_sha256)


def _value(metric: str, value: float | None, currency: str) -> str:
    if metric not in REGISTRY:
        return "no data" if value is None else f"{value:,.4g}"
    return value_text(metric, value, currency)


def _limit(metric: str, value: float | None, currency: str) -> str:
    if value is None:
        return "none"
    return limit_text(metric, value, currency) if metric in REGISTRY else f"{value:,.4g}"


def _rule_text(c: CriterionResult, currency: str) -> str:
    text = f"{sign(c.op)} {_limit(c.metric, c.threshold, currency)}"
    if c.warn is not None:
        text += f", warn {_limit(c.metric, c.warn, currency)}"
    if c.min_sample is not None:
        text += f", min sample {c.min_sample:,}"
    return f"{text}, on fail {c.on_fail}"


def _rule_changes(a: CriterionResult | None, b: CriterionResult | None, currency: str) -> tuple[str, ...]:
    if a is None:
        return ("gate added",)
    if b is None:
        return ("gate removed",)
    out = []
    for field in RULE_FIELDS:
        x, y = getattr(a, field), getattr(b, field)
        if x != y:
            if field in ("threshold", "warn"):
                x, y = _limit(a.metric, x, currency), _limit(a.metric, y, currency)
            elif field == "op":
                x, y = sign(x), sign(y)
            out.append(f"{field.replace('_', ' ')} {x if x is not None else 'none'} → {y if y is not None else 'none'}")
    return tuple(out)


def change_text(metric: str, delta: float | None, currency: str) -> str:
    """A change in the metric's own unit: '+1.2 pts' for shares, '−3.0 h', '+EUR 120.00', '+4'."""
    if delta is None:
        return "—"
    if abs(delta) < 1e-12:
        return "no change"
    sign = "+" if delta > 0 else "−"
    if metric in REGISTRY and display_unit(metric) == "share":
        return f"{sign}{abs(delta) * 100:.1f} pts"
    return sign + _value(metric, abs(delta), currency)


def compare(a: Snapshot, b: Snapshot) -> Comparison:
    """What changed from snapshot `a` to snapshot `b`."""
    cur_a, cur_b = a.currency, b.currency
    notes = []
    same_plan = a.plan.sha256 == b.plan.sha256
    if not same_plan:
        notes.append(f"The plans differ: #{a.id} was judged against plan '{a.plan.name}' (sha256 "
                     f"{a.plan.sha256[:12]}…), #{b.id} against '{b.plan.name}' (sha256 {b.plan.sha256[:12]}…). "
                     "Criteria whose rule changed are marked RULE CHANGED: a status change there may come from the "
                     "rule, not from the evidence.")
    same_stage = a.stage.id == b.stage.id
    if not same_stage:
        notes.append(f"The stages differ: #{a.id} reviewed '{a.stage.id}', #{b.id} reviewed '{b.stage.id}', so "
                     "their gates may differ (marked RULE CHANGED).")
    for key, word in (("department", "department"), ("use_case", "use case")):
        x, y = getattr(a.window, key), getattr(b.window, key)
        if x != y:
            notes.append(f"The {word} filters differ: {x or 'none'} in #{a.id}, {y or 'none'} in #{b.id}; the "
                         "evidence covers different groups.")
    same_window = (a.window.from_, a.window.to) == (b.window.from_, b.window.to)
    if cur_a != cur_b:
        notes.append(f"The currencies differ: {cur_a} in #{a.id}, {cur_b} in #{b.id}; money is not comparable.")

    ca = {c.metric: c for c in a.criteria}
    cb = {c.metric: c for c in b.criteria}
    criteria = []
    for metric in [*ca, *(m for m in cb if m not in ca)]:
        x, y = ca.get(metric), cb.get(metric)
        either = x or y
        assert either is not None
        criteria.append(CriterionChange(
            metric=metric, label=either.label, status_a=x.status if x else None, status_b=y.status if y else None,
            value_a=x.value if x else None, value_b=y.value if y else None,
            text_a=_value(metric, x.value, cur_a) if x else "—", text_b=_value(metric, y.value, cur_b) if y else "—",
            rule_a=_rule_text(x, cur_a) if x else None, rule_b=_rule_text(y, cur_b) if y else None,
            rule_changes=_rule_changes(x, y, cur_b)))

    metric_rows = []
    for metric in [*a.metrics, *(m for m in b.metrics if m not in a.metrics)]:
        ma, mb = a.metrics.get(metric), b.metrics.get(metric)
        va, vb = (ma.value if ma else None), (mb.value if mb else None)
        delta = vb - va if va is not None and vb is not None else None
        delta = delta if delta is None or math.isfinite(delta) else None  # two values far apart in a crafted file
        first = ma or mb
        assert first is not None
        metric_rows.append(MetricChange(
            metric=metric, label=first.label, family=first.family, value_a=va, value_b=vb,
            n_a=ma.n if ma else None, n_b=mb.n if mb else None, change=delta, text_a=_value(metric, va, cur_a),
            text_b=_value(metric, vb, cur_b), change_text=change_text(metric, delta, cur_b)))

    ta = {t.name: t for t in a.triggers}
    tb = {t.name: t for t in b.triggers}
    triggers = []
    for name in [*ta, *(n for n in tb if n not in ta)]:
        x, y = ta.get(name), tb.get(name)
        before, after = (x.fired if x else None), (y.fired if y else None)
        if before != after:
            triggers.append(FlagChange(name=name, before=before, after=after,
                                       detail=y.explanation if y else "not in the later plan"))
    ra = {r.item: r for r in a.readiness}
    rb = {r.item: r for r in b.readiness}
    readiness = []
    for item in [*ra, *(i for i in rb if i not in ra)]:
        x2, y2 = ra.get(item), rb.get(item)
        before, after = (x2.met if x2 else None), (y2.met if y2 else None)
        if before != after:
            readiness.append(FlagChange(name=item, before=before, after=after, detail=y2.reason if y2 else ""))

    decision_changes = []
    fields = (("recommendation", a.recommendation.outcome, b.recommendation.outcome),
              ("decision", a.decision.outcome, b.decision.outcome),
              ("decided_by", a.decision.decided_by, b.decision.decided_by),
              ("rationale", a.decision.rationale, b.decision.rationale),
              ("conditions", a.decision.conditions, b.decision.conditions),
              ("next_review_on", str(a.decision.next_review_on or ""), str(b.decision.next_review_on or "")))
    for name, x3, y3 in fields:
        if x3 != y3:
            decision_changes.append((name, x3, y3))

    def files(s: Snapshot) -> dict[str, str]:
        return {src.sha256: f"{src.file_name} ({src.dataset}, sha256 {src.sha256[:12]}…)"
                for src in s.provenance.sources}

    fa, fb = files(a), files(b)
    return Comparison(
        a=_side(a), b=_side(b), same_plan=same_plan, same_stage=same_stage, same_window=same_window,
        notes=tuple(notes), criteria=tuple(criteria), metrics=tuple(metric_rows), triggers=tuple(triggers),
        readiness=tuple(readiness), decision_changes=tuple(decision_changes),
        sources_only_a=tuple(v for k, v in fa.items() if k not in fb),
        sources_only_b=tuple(v for k, v in fb.items() if k not in fa))


# -- as text ------------------------------------------------------------------------------------------

def _flag(value: bool | None, yes: str, no: str) -> str:
    return "absent" if value is None else (yes if value else no)


def comparison_text(c: Comparison) -> str:
    """The comparison for the terminal: differences of rule first, then decision, criteria, triggers,
    readiness, metrics and sources."""
    lines = [f"Comparing {c.a.label}", f"     with {c.b.label}", ""]
    if c.notes:
        lines += [f"! {n}" for n in c.notes]
    else:
        lines.append(f"Same plan (sha256 {c.a.plan_sha256[:12]}…) and stage: every difference below is a change "
                     "of evidence or of decision, not of rule.")
    if c.rule_changed:
        lines += ["", "Rules that changed:"]
        lines += [f"  RULE CHANGED  {r.label} ({r.metric}): {'; '.join(r.rule_changes)}" for r in c.rule_changed]
    lines += ["", "Decision:"]
    if c.decision_changes:
        for name, x, y in c.decision_changes:
            lines.append(f"  {name}: {x or '—'} → {y or '—'}")
    else:
        lines.append("  unchanged")
    lines += ["", "Criteria whose status changed:"]
    changed = c.status_changed
    for r in changed:
        mark = f"  [RULE CHANGED: {'; '.join(r.rule_changes)}]" if r.rule_changed else ""
        lines.append(f"  {r.label}: {r.status_a or 'absent'} → {r.status_b or 'absent'}  "
                     f"({r.text_a} → {r.text_b}){mark}")
    if not changed:
        lines.append("  none")
    lines += ["", "Pause triggers that changed:"]
    lines += [f"  {t.name}: {_flag(t.before, 'fired', 'quiet')} → {_flag(t.after, 'FIRED', 'quiet')}"
              for t in c.triggers] or ["  none"]
    lines += ["", "Readiness items that changed:"]
    lines += [f"  {r.name}: {_flag(r.before, 'met', 'not met')} → {_flag(r.after, 'met', 'NOT MET')}"
              for r in c.readiness] or ["  none"]
    lines += ["", "Metrics (before → after, change):"]
    family = None
    for m in c.metrics:
        if m.family != family:
            family = m.family
            lines.append(f"  {family}")
        lines.append(f"    {m.label:<34} {m.text_a:>14} → {m.text_b:<14} {m.change_text}")
    if c.sources_only_a or c.sources_only_b:
        lines += ["", "Sources:"]
        lines += [f"  only in #{c.a.id}: {s}" for s in c.sources_only_a]
        lines += [f"  only in #{c.b.id}: {s}" for s in c.sources_only_b]
    return "\n".join(lines)
