"""docs/presets.md is generated from the preset declarations: it must match them exactly."""

from __future__ import annotations

from loaders.presets import PRESETS
from loaders.presets import docs as presets_docs


def test_docs_presets_md_is_current() -> None:
    assert presets_docs.PRESETS_DOC.read_text(encoding="utf-8") == presets_docs.presets_doc(), "run `make docs`"


def test_every_preset_has_a_section_saying_where_it_comes_from_what_it_fills_and_cannot() -> None:
    text = presets_docs.presets_doc()
    for p in PRESETS.values():
        section = text.split(f"\n## {p.name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"- Export it from: {p.console}" in section
        assert all(f"| `{column}` | {source} |" in section for column, source in p.fills)
        assert all(f"- {c}" in section for c in p.cannot) and p.cannot
