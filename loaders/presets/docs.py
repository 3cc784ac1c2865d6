"""Write docs/presets.md from the preset declarations and the shipped default mappings.

`python -m loaders.presets.docs` (run by `make docs`) rewrites the file; tests/test_presets_docs.py
fails when it differs from what the declarations say, so the page cannot drift from the code.
"""

from __future__ import annotations

from core.paths import ROOT
from loaders.presets import PRESETS
from loaders.presets.base import FORMAT_WORDS, Preset
from loaders.presets.mappings import TABLES, defaults

PRESETS_DOC = ROOT / "docs" / "presets.md"


def _recognised(p: Preset) -> str:
    groups = "; ".join(" or ".join(f"`{h}`" for h in group) if len(group) <= 4 else
                       f"one of {len(group)} such as `{group[0]}`" for group in p.signature.required)
    by = {"json": "its keys", "table": "its columns", "table_or_json": "its columns (JSON: its keys)"}[p.kind]
    text = f"Recognised by {by}: {groups}."
    if p.signature.excluded:
        text += " Not when it has " + " or ".join(f"`{e}`" for e in p.signature.excluded) + "."
    return text


def _section(p: Preset) -> list[str]:
    out = [f"## {p.name}", "", f"**{p.label}** → the **{p.dataset}** dataset.",
           "", f"- Export it from: {p.console}", f"- Files: {FORMAT_WORDS[p.kind]}.", f"- {_recognised(p)}"]
    if p.needs_period:
        out.append("- Needs the month it covers: `--period YYYY-MM` (or the period on Upload); refused without it.")
    out += ["", "| canonical column | filled from |", "|---|---|"]
    out += [f"| `{col}` | {frm} |" for col, frm in p.fills]
    out += ["", "What it derives:", ""] + [f"- {d}" for d in p.derives]
    out += ["", "What this export cannot provide:", ""] + [f"- {c}" for c in p.cannot]
    if p.tables:
        out += ["", "Mappings: " + ", ".join(f"[{t}](#mapping-{t})" for t in p.tables) + "."]
    return [*out, ""]


def _mapping(name: str) -> list[str]:
    t = TABLES[name]
    column = t.target
    out = [f"### mapping {name}", "", f"{t.source} → {t.dataset}.`{t.column}`. A value no entry matches "
           f"{t.describe_unmapped()}."]
    if column.type == "enum":
        out[-1] += f" A value already one of {', '.join(f'`{v}`' for v in column.values)} needs no entry."
    entries = defaults()[name]
    if entries:
        out += ["", "| export value | canonical value |", "|---|---|"]
        out += [f"| {k} | `{v}` |" for k, v in entries.items()]
    else:
        out += ["", "No default entries."]
    return [*out, ""]


def presets_doc() -> str:
    """docs/presets.md: every preset — its console screen, what it fills, derives and cannot — and every mapping."""
    out = [
        "# Import presets",
        "",
        "A preset reads an export as the vendor's console writes it and turns it into one of Rollgate's",
        "datasets ([datasets.md](datasets.md)), so nobody edits a column. Rollgate recognises a preset from",
        "the file's columns (or JSON keys) and shows its score beside the datasets' scores; you can also",
        "choose it: `rollgate ingest FILE --preset NAME`, or the preset on the Upload page.",
        "",
        "After the preset has reshaped the file, the usual checks run: every bad row is rejected with its",
        "line (the line where the record starts in the file; header = line 1; NDJSON: the line) and reason,",
        "the import is one transaction with its lineage, the same file uploaded twice is skipped, and an",
        "import can be undone. Each import's report says what the preset mapped, what it derived and what",
        "the export cannot provide. Timestamps without a zone are read as UTC.",
        "",
        "Value mappings (feature → use case, priority → severity, issue type → category, state → status)",
        "are data: the defaults below ship in `loaders/presets/defaults.toml`, and the plan can override or",
        "extend any of them in a `[mappings]` section, saved with the plan:",
        "",
        "```toml",
        "[mappings.jira_category]",
        '"Bug" = "bug"',
        '"Access Request" = "access"',
        "```",
        "",
        "Keys are matched without regard to case, spaces or punctuation.",
        "",
        "Generated from `loaders/presets/` by `make docs`; a test keeps it in step with the code.",
        "",
        "| preset | export | fills |",
        "|---|---|---|",
    ]
    out += [f"| [{p.name}](#{p.name}) | {p.label} | {p.dataset} |" for p in PRESETS.values()]
    out.append("")
    for p in PRESETS.values():
        out += _section(p)
    out += ["## Mappings", ""]
    for name in TABLES:
        out += _mapping(name)
    return "\n".join(out)


def main() -> None:
    PRESETS_DOC.parent.mkdir(exist_ok=True)
    PRESETS_DOC.write_text(presets_doc(), encoding="utf-8")
    print(f"wrote {PRESETS_DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
