"""Import presets: the exports managers actually have, read into Rollgate's canonical datasets.

    from loaders.presets import PRESETS, preset_choices, detect_presets
    PRESETS["jira-issues"].label                 # for a select box
    detect_presets(con, path, name)              # [PresetScore, ...], best first
    IngestOptions(preset="claude-spend", period="2026-04", mappings=plan.mappings)

A preset is detected from the file's shape (headers or JSON keys) beside the canonical datasets,
or chosen explicitly; it reshapes the export into canonical columns, and the ordinary validation,
staging and transaction follow (loaders.ingest). DESIGN.md §10 is the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import InputError, RollgateError
from loaders.detect import DatasetScore, detect, score
from loaders.options import IngestOptions
from loaders.presets import chatgpt, claude, copilot, jira, m365, moodle, servicenow
from loaders.presets.base import Preset, PresetScore, run
from loaders.presets.mappings import TABLES as MAPPING_TABLES
from loaders.presets.mappings import check_overrides
from loaders.presets.source import Source, drop, from_raw, probe_keys, read_json
from loaders.read import RawFile, detect_format, read_file, scratch
from loaders.schema import DATASETS, normalise_header

__all__ = ["MAPPING_TABLES", "PRESETS", "Prepared", "Preset", "PresetScore", "detect_presets", "prepare",
           "preset_choices", "score_presets"]

PRESETS: dict[str, Preset] = {
    p.name: p for p in (copilot.USERS, copilot.ORG, m365.PRESET, chatgpt.PRESET, claude.PRESET, jira.PRESET,
                        servicenow.PRESET, moodle.PRESET)
}
NEAR = 50.0  # a preset this close, when nothing matches, is named in the refusal


def preset_choices() -> list[tuple[str, str]]:
    """(name, label) of every preset, in the order of DESIGN.md §10, for a select box."""
    return [(p.name, p.label) for p in PRESETS.values()]


def score_presets(headers: list[str], fmt: str | None = None) -> list[PresetScore]:
    """Every preset's fit to these headers (CSV) or JSON keys, best first; presets that do not read
    `fmt` score 0."""
    scores = [p.score(headers, fmt) for p in PRESETS.values()]
    return sorted(scores, key=lambda s: (s.complete, s.score), reverse=True)


def _shape(con: duckdb.DuckDBPyConnection, path: Path, name: str, sha256: str | None, sheet: str | None = None
           ) -> tuple[str, list[str], RawFile | None]:
    """(format, headers or JSON keys, the opened file for table formats)."""
    fmt = detect_format(path, name)
    if fmt in ("json", "ndjson"):
        try:
            _, keys = probe_keys(path, name)
        except (InputError, ValueError):
            keys = []
        return fmt, keys, None
    raw = read_file(con, path, name, sha256, sheet)
    return fmt, raw.headers, raw


def detect_presets(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[PresetScore]:
    """Every preset's score for the file at `path` (shown as `name`), best first, reading only its shape."""
    with scratch():
        fmt, headers, raw = _shape(con, path, name, None)
        if raw is not None:
            drop(con, raw.temp_tables)
    return score_presets(headers, fmt)


@dataclass
class Prepared:
    """The file as the ingest reads it: canonical-shaped (by a preset) or as uploaded."""

    raw: RawFile
    preset: Preset | None
    source_format: str
    preset_scores: list[PresetScore]
    dataset_scores: list[DatasetScore] | None = None  # of the export's own headers, when a preset read it

    @property
    def mapping(self) -> dict[str, str] | None:
        return self.preset.mapping if self.preset else None


def prepare(con: duckdb.DuckDBPyConnection, path: Path, name: str, sha256: str, options: IngestOptions
            ) -> Prepared:
    """Open the upload for the ingest: with the chosen or detected preset, else as a canonical file.

    Raises InputError (nothing written) for an unknown preset, a preset that does not read this format
    or dataset, or a file a preset refuses as a whole."""
    check_overrides(options.mappings, name)
    chosen = options.preset
    if chosen is not None:
        if chosen not in PRESETS:
            raise InputError(f"{name}: unknown preset '{chosen}'; choose one of {', '.join(PRESETS)}.")
        preset = PRESETS[chosen]
        if options.dataset and options.dataset != preset.dataset:
            raise InputError(f"{name}: preset {chosen} fills {preset.dataset}, not {options.dataset}; choose one "
                             "or the other.")
        if options.column_map:
            raise InputError(f"{name}: preset {chosen} maps the columns itself; --map applies to canonical files.")
    elif options.dataset:  # the user chose a canonical dataset: no preset is guessed
        return _canonical(read_file(con, path, name, sha256, options.sheet), [])
    fmt, headers, raw = _shape(con, path, name, sha256, options.sheet)
    try:
        return _prepare(con, path, name, sha256, options, fmt, headers, raw)
    except BaseException:
        if raw is not None:  # a file opened for nothing: give back its temp tables and transcoded copies
            drop(con, raw.temp_tables)
            for f in raw.temp_files:
                f.unlink(missing_ok=True)
        raise


def _prepare(con: duckdb.DuckDBPyConnection, path: Path, name: str, sha256: str, options: IngestOptions,
             fmt: str, headers: list[str], raw: RawFile | None) -> Prepared:
    scores = score_presets(headers, fmt)
    chosen = options.preset
    if chosen is None:
        best = scores[0]
        chosen = best.preset if best.complete and not options.column_map else None
        if chosen is None:
            opened = raw if raw is not None else read_file(con, path, name, sha256, options.sheet)
            try:
                _refuse_unread(con, opened, scores, options)
            except InputError:
                drop(con, opened.temp_tables)
                raise
            return _canonical(opened, scores)
    preset = PRESETS[chosen]
    if fmt not in preset.formats:
        kind = "JSON or NDJSON" if preset.kind == "json" else "CSV, XLSX or Parquet"
        raise InputError(f"{name}: preset {chosen} reads {kind} files; this is a {fmt.upper()} file.")
    dataset_scores = sorted((score(headers, d) for d in DATASETS.values()), key=lambda s: (s.complete, s.score),
                            reverse=True)
    source: Source = read_json(con, path, name) if raw is None else from_raw(con, raw)
    try:
        mappings = options.preset_mappings()
    except RollgateError as e:
        raise InputError(f"{name}: not imported: the {chosen} preset needs the plan's [mappings].\n{e}") from e
    reshaped = run(con, preset, source, sha256, options.period, mappings)
    if options.preset is None:
        found = next(s for s in scores if s.preset == chosen)
        reshaped.notes.insert(0, f"Detected as the {chosen} preset ({found.describe()}).")
    return Prepared(reshaped, preset, source.format, scores, dataset_scores)


def _canonical(raw: RawFile, scores: list[PresetScore]) -> Prepared:
    return Prepared(raw, None, raw.format, scores)


def _repeated(headers: list[str]) -> list[str]:
    """Header names the file repeats (case, spaces and punctuation ignored), as first written, in file order."""
    seen: dict[str, str] = {}
    out: list[str] = []
    for h in headers:
        n = normalise_header(h)
        if n and n in seen and seen[n] not in out:
            out.append(seen[n])
        seen.setdefault(n, h.strip())
    return out


def _refuse_unread(con: duckdb.DuckDBPyConnection, raw: RawFile, scores: list[PresetScore],
                   options: IngestOptions) -> None:
    """When no dataset matches either, say which preset the file almost is and what it lacks; or, for a Jira
    export in another language, say so and how to read it. Otherwise the ingest's own refusal stands."""
    try:
        detect(raw.headers, raw.name, options.dataset, options.column_map)
        return
    except InputError as e:
        refusal = e
    repeated = _repeated(raw.headers)
    near = scores[0] if scores and scores[0].score >= NEAR and not scores[0].excluded else None
    if near is not None:
        # Jira repeats columns by design (Labels, Labels): a repeated name is then never the reason
        lead = f"{raw.name}: no dataset matches its columns." if repeated else str(refusal)
        raise InputError(f"{lead} It looks like an export for the {near.preset} preset ({near.label}), but it lacks "
                         f"{', '.join(near.missing)}.") from refusal
    if repeated and not options.column_map and (keys := _issue_keys(con, raw)) is not None:
        raise InputError(jira.other_language(raw.name, *keys, repeated)) from refusal


def _issue_keys(con: duckdb.DuckDBPyConnection, raw: RawFile) -> tuple[str, str] | None:
    """(header, first value) of the first column whose every filled cell is a Jira issue key, if any: a Jira
    export says what it is by its keys in whatever language its headers are written."""
    try:
        source = from_raw(con, raw)
    except InputError:  # a file that cannot be read is refused for that, by the ingest
        return None
    try:
        n = len(source.headers)
        if not n or not source.records:
            return None
        checks = ", ".join(
            f"bool_and(regexp_full_match(v{i}, $key)) filter (where v{i} is not null), "
            f"arg_min(v{i}, pos) filter (where v{i} is not null)" for i in range(n))
        values = ", ".join(f"nullif(trim(c{i}), '') as v{i}" for i in range(n))
        found = con.execute(f"select {checks} from (select pos, {values} from {source.table})",
                            {"key": jira.ISSUE_KEY}).fetchone()
    finally:  # only what was made here: the opened file's own tables go with it
        drop(con, [t for t in source.temp_tables if t not in raw.temp_tables])
    assert found is not None
    return next(((source.headers[i], str(found[2 * i + 1])) for i in range(n) if found[2 * i]), None)
