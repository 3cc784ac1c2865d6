"""Rollout plan and gate reviews (DESIGN.md §4): plan model and checks, criteria, pause triggers,
readiness and the recommendation. Numbers come from metrics/; judgements are records."""

from core.words import STATUSES
from gates.criteria import CriterionResult, judge
from gates.plan import Gate, PauseTrigger, Plan, Stage, UseCase
from gates.plan_check import PlanCheck, PlanInvalid, Problem, check_plan
from gates.plan_io import dumps_plan, load_plan, parse_plan, plan_path, save_plan
from gates.readiness import ReadinessItem
from gates.recommend import SEVERITY, Recommendation
from gates.review import Evaluation, evaluate, review
from gates.triggers import ACTION_OUTCOME, TriggerResult

__all__ = [
    "ACTION_OUTCOME", "SEVERITY", "STATUSES", "CriterionResult", "Evaluation", "Gate", "PauseTrigger", "Plan",
    "PlanCheck", "PlanInvalid", "Problem", "ReadinessItem", "Recommendation", "Stage", "TriggerResult", "UseCase",
    "check_plan", "dumps_plan", "evaluate", "judge", "load_plan", "parse_plan", "plan_path", "review", "save_plan",
]
