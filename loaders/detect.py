"""Which dataset is this file, and which of its columns is which canonical column?

A dataset is detected from the file's headers alone, with a score per dataset so the user
can see why: how many of its required and optional columns were found (by canonical name or
alias, case and spacing ignored). An explicit dataset and explicit `Source=canonical`
mappings override the guess.
"""

from __future__ import annotations

from pydantic import BaseModel

from core.errors import InputError
from loaders.schema import DATASETS, Dataset, normalise_header


def header_score(required_found: int, required_total: int, optional_found: int, optional_total: int) -> float:
    """0-100 for how well a file's headers fit a dataset (or an import preset): required columns weigh
    most, optional ones break ties."""
    req = required_found / required_total
    opt = optional_found / optional_total if optional_total else 0.0
    return round(100 * (0.85 * req + 0.15 * opt), 1)


class DatasetScore(BaseModel):
    """How well a file's headers fit one dataset."""

    dataset: str
    required_found: int
    required_total: int
    optional_found: int
    optional_total: int
    missing: list[str]

    @property
    def complete(self) -> bool:
        return self.required_found == self.required_total

    @property
    def score(self) -> float:
        """0-100: required columns weigh most; optional columns break ties."""
        return header_score(self.required_found, self.required_total, self.optional_found, self.optional_total)

    def describe(self) -> str:
        text = (f"{self.dataset}: {self.score:g}% ({self.required_found} of {self.required_total} required, "
                f"{self.optional_found} of {self.optional_total} optional columns)")
        if self.missing:
            text += f"; missing {', '.join(self.missing)}"
        return text


class ColumnMapping(BaseModel):
    """The outcome of detection: the dataset and, per canonical column, the source column index."""

    dataset: str
    columns: dict[str, int]
    headers: list[str]
    unused: list[str]
    scores: list[DatasetScore]
    explicit_dataset: bool = False

    def source_of(self, canonical: str) -> str | None:
        i = self.columns.get(canonical)
        return None if i is None else self.headers[i]

    def as_names(self) -> dict[str, str]:
        """canonical column -> source header, for the lineage record."""
        return {c: self.headers[i] for c, i in self.columns.items()}


def parse_map_options(options: list[str] | None) -> dict[str, str]:
    """`["Source Column=canonical", ...]` -> {"Source Column": "canonical"}."""
    out: dict[str, str] = {}
    for opt in options or []:
        if "=" not in opt:
            raise InputError(f"--map '{opt}': write it as \"Source column=canonical_column\".")
        src, _, dst = opt.rpartition("=")
        if not src.strip() or not dst.strip():
            raise InputError(f"--map '{opt}': both the source column and the canonical column are needed.")
        out[src.strip()] = dst.strip()
    return out


def _lookup(dataset: Dataset) -> dict[str, str]:
    names: dict[str, str] = {}
    for col in dataset.columns:
        for alias in col.aliases:
            names.setdefault(normalise_header(alias), col.name)
    for col in dataset.columns:  # a canonical name beats any alias of another column
        names[normalise_header(col.name)] = col.name
    return names


class Ambiguous(InputError):
    """Two source columns claim one canonical column; the user has to choose."""


def match(headers: list[str], dataset: Dataset, user_map: dict[str, str] | None = None
          ) -> tuple[dict[str, int], list[str]]:
    """canonical -> source index for one dataset; raises Ambiguous when two columns claim one name."""
    normal = [normalise_header(h) for h in headers]
    lookup = _lookup(dataset)
    claims: dict[str, list[int]] = {}
    overridden: set[int] = set()
    for src, dst in (user_map or {}).items():
        key = normalise_header(src)
        if key not in normal:
            raise InputError(f"--map '{src}={dst}': the file has no column '{src}'; its columns are "
                             f"{', '.join(repr(h) for h in headers)}.")
        if dst not in {c.name for c in dataset.columns}:
            raise InputError(f"--map '{src}={dst}': '{dst}' is not a column of {dataset.name}; its columns are "
                             f"{', '.join(c.name for c in dataset.columns)}.")
        i = normal.index(key)
        overridden.add(i)
        claims.setdefault(dst, []).append(i)
    for i, n in enumerate(normal):
        if i in overridden or not n:
            continue
        canonical = lookup.get(n)
        if canonical and canonical not in {d for d in (user_map or {}).values()}:
            claims.setdefault(canonical, []).append(i)
    columns: dict[str, int] = {}
    for canonical, idx in claims.items():
        if len(idx) > 1:
            exact = [i for i in idx if normal[i] == canonical]
            if len(exact) != 1:
                names = " and ".join(repr(headers[i]) for i in idx)
                raise Ambiguous(f"columns {names} both mean {dataset.name}.{canonical}; choose one with "
                                 f"--map \"{headers[idx[0]]}={canonical}\" (or the column mapping on Upload).")
            idx = exact
        columns[canonical] = idx[0]
    used = set(columns.values())
    unused = [h for i, h in enumerate(headers) if i not in used]
    return columns, unused


def score(headers: list[str], dataset: Dataset, user_map: dict[str, str] | None = None) -> DatasetScore:
    try:
        columns, _ = match(headers, dataset, user_map)
    except InputError:
        columns = {}
    return DatasetScore(
        dataset=dataset.name,
        required_found=sum(c.name in columns for c in dataset.required),
        required_total=len(dataset.required),
        optional_found=sum(c.name in columns for c in dataset.optional),
        optional_total=len(dataset.optional),
        missing=[c.name for c in dataset.required if c.name not in columns],
    )


def _ambiguity(headers: list[str], name: str) -> InputError | None:
    """The first dataset whose columns are all there but one is claimed twice, as an error to raise."""
    for d in DATASETS.values():
        try:
            match(headers, d)
        except Ambiguous as e:
            return InputError(f"{name}: {e}")
    return None


def detect(headers: list[str], name: str, dataset: str | None = None,
           user_map: dict[str, str] | None = None) -> ColumnMapping:
    """Map a file's headers to the best-fitting (or the given) dataset.

    Raises InputError naming the file when no dataset has all its required columns.
    """
    _check_headers(headers, name, user_map)
    if dataset is not None and dataset not in DATASETS:
        raise InputError(f"{name}: unknown dataset '{dataset}'; choose one of {', '.join(DATASETS)}.")
    scores = sorted((score(headers, d, user_map if dataset in (None, d.name) else None)
                     for d in DATASETS.values()),
                    key=lambda s: (s.complete, s.score), reverse=True)
    chosen = dataset or (scores[0].dataset if scores[0].complete else None)
    if chosen is None and (ambiguous := _ambiguity(headers, name)):
        raise ambiguous
    if chosen is None:
        needs = "; ".join(f"{d.name} needs {', '.join(c.name for c in d.required)}" for d in DATASETS.values())
        raise InputError(
            f"{name}: no dataset matches its columns ({', '.join(repr(h) for h in headers)}). {needs}. "
            "Rename the columns, or choose the dataset and map the columns (--dataset, --map)."
        )
    try:
        columns, unused = match(headers, DATASETS[chosen], user_map)
    except InputError as e:
        raise InputError(f"{name}: {e}") from e
    missing = [c.name for c in DATASETS[chosen].required if c.name not in columns]
    if missing:
        raise InputError(
            f"{name}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} missing for dataset {chosen}; the file has "
            f"{', '.join(repr(h) for h in headers)}. Add the column or map one with --map \"Source={missing[0]}\"."
        )
    return ColumnMapping(dataset=chosen, columns=columns, headers=headers, unused=unused, scores=scores,
                         explicit_dataset=dataset is not None)


def _check_headers(headers: list[str], name: str, user_map: dict[str, str] | None = None) -> None:
    """Refuse two columns of one name when that name would be read: the rows could not say which is meant.

    Exports repeat some columns by design (Jira writes Labels, Comment, Watchers, Sprint once per value);
    a repeated name that no dataset reads and no --map names is simply not used."""
    claimed = {k for d in DATASETS.values() for k in _lookup(d)} | {normalise_header(s) for s in (user_map or {})}
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        n = normalise_header(h)
        if not n:
            continue
        if n in seen and n in claimed:
            j = seen[n]
            if headers[j].strip() == h.strip():
                raise InputError(f"{name}: columns {j + 1} and {i + 1} are both named '{h.strip()}'; rename one of "
                                 "them so every column has its own name.")
            raise InputError(f"{name}: columns {j + 1} ('{headers[j].strip()}') and {i + 1} ('{h.strip()}') have the "
                             "same name once case and spaces are ignored; rename one of them so every column has "
                             "its own name.")
        seen.setdefault(n, i)
