"""docs/metrics.md is generated from the registry and must match it exactly."""

from __future__ import annotations

from metrics import docs
from metrics.registry import METRICS


def test_docs_metrics_md_is_current() -> None:
    assert docs.METRICS_DOC.read_text(encoding="utf-8") == docs.metrics_doc(), "run `make docs`"


def test_every_metric_is_documented_with_its_formula_unit_sources_and_gate_use() -> None:
    text = docs.metrics_doc()
    for m in METRICS:
        section = text.split(f"— `{m.id}`", 1)[1].split("\n### ", 1)[0]
        assert f"**Formula:** {m.formula}." in section
        assert f"**Fed by:** {', '.join(f'`{s}`' for s in m.sources)}." in section
        assert f"**Why it matters for a gate:** {m.why}" in section
        assert m.why, f"{m.id} says nothing about why it matters for a gate"
