"""The shapes of usage export the ingest benchmark times, each written from data/generate.py's usage.csv.

    write_shape(Path("bench/data/usage-1000000/usage.csv"), "quoted", Path("…/usage.csv"))
    python bench/shapes.py bench/data/usage-1000000/usage.csv quoted …/usage.csv

  * z:      the generated file itself: timestamps as `2026-01-05T07:46:56Z`, no quote character in the
            file. The validation reads such timestamps on a fast path, and the CSV reader cuts a
            quote-free file into small pieces parsed in parallel.
  * offset: the same rows and columns, each timestamp written in its user's local time with a space
            and an offset, `2026-03-01 10:00:00+02:00`: a user works in one zone (Berlin, London, New
            York or Kolkata), whose offset follows daylight saving time (+01:00 / +02:00, -05:00 /
            -04:00, +05:30 …). Every timestamp takes the zone-aware path of the validation.
  * quoted: as exported by Excel, Jira or ServiceNow: header and every text field in double quotes,
            numbers and empty cells bare, and two columns a usage export carries that Rollgate does
            not read: `client` (the app the tool was used from) and `prompt_summary` (free text with
            commas, doubled quotes `""`, accented letters and, in about one row in 100, a line break
            inside the quotes). A file holding a quote character takes the CSV reader's default cuts,
            and its cells are trimmed.

The same instants, users, keys and numbers in all three, so each shape stores the same rows. Rewritten
column-wise with polars, a block of lines at a time, so memory stays bounded (about 0.5 GB) at any size.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # imported where used: bench/run.py reads the constants and must stay a small process
    import numpy as np
    import polars as pl

SHAPES = ("z", "offset", "quoted")
BLOCK_BYTES = 32 << 20  # the source is rewritten a block of whole lines at a time (about 380,000 rows)

# Canonical usage columns of data/generate.py; all are read as text so numbers keep their bytes.
COLUMNS = ("occurred_at", "user_id", "use_case", "event_id", "interactions", "output_action", "minutes_saved",
           "cost")
TEXT = ("occurred_at", "user_id", "use_case", "event_id", "output_action")  # quoted in the quoted shape
# The extra columns of the quoted shape, which Rollgate reports as not used.
EXTRA = ("client", "prompt_summary")
# Where the quoted shape puts them: among the canonical columns, as exports mix them.
QUOTED_ORDER = ("occurred_at", "user_id", "client", "use_case", "prompt_summary", "event_id", "interactions",
                "output_action", "minutes_saved", "cost")

# A user's zone (by a hash of the user id): Berlin for half the users, then London, New York, Kolkata.
ZONES = (("Europe/Berlin", 5), ("Europe/London", 2), ("America/New_York", 2), ("Asia/Kolkata", 1))

CLIENTS = ("Word", "Outlook", "Teams", "Web app", "Web app", "Word")
COUNTERPARTIES = ("Acme Ltd.", "Brightline, Inc.", "Nordwind GmbH", "Müller & Söhne KG", "O'Neil Partners LLP",
                  "Café Lumière SARL", "Keystone Logistics", "Helix Bio, S.A.")
# A summary is PREFIX + counterparty + SUFFIX, chosen by the row's use case and its event number.
SUMMARIES = {
    "drafting": (("Draft a mutual NDA for ", ", 2 years, English law"),
                 ("First draft: supply agreement with ", " (\"SLA\" schedule to follow)"),
                 ("Redraft the indemnity clause for ", ", cap at 12 months' fees")),
    "summarise": (("Summarise the MSA with ", ": term, renewal, termination"),
                  ("Key dates and notice periods, ", " lease"),
                  ("Summarise \"Schedule 3 - Pricing\" of ", ", in 5 bullets")),
    "clause_review": (("Check the \"limitation of liability\" clause, ", " MSA"),
                      ("Is the governing-law clause standard? Contract with ", ""),
                      ("Compare data-processing terms of ", " with our playbook, flag gaps")),
    "translation": (("Translate the payment clause of ", " into German"),
                    ("Traduire la clause de résiliation, contrat ", ", en anglais"),
                    ("Working translation, ", " side letter, \"shall\" vs \"may\" kept")),
    "negotiation_email": (("Reply to ", ": \"we can't accept unlimited liability\", propose 2x fees"),
                          ("Follow-up e-mail to ", " on the revised payment terms, 30 days"),
                          ("Polite push-back to ", ", ask for mutual termination rights")),
}
# One row in MULTILINE gets a second line inside its quotes, as text pasted from an e-mail does.
MULTILINE = 100
SECOND_LINE = "\nPlease keep it short, the client reads it on a phone."


def write_shape(source: Path, shape: str, target: Path) -> Path:
    """Write `source` (data/generate.py's usage.csv) in `shape` to `target`; "z" is the source itself,
    returned as is. The source (no quote character in it) is read in blocks of whole lines, so memory
    stays near one block whatever the file's size. The file is written beside `target` and renamed into
    place, so a run interrupted while writing leaves no half file to be reused."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if shape == "z":
        return source
    import polars as pl

    rewrite = offset_shape if shape == "offset" else quoted_shape
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, partial.open("wb") as out:
        header = src.readline().decode("utf-8").rstrip("\r\n").split(",")
        if tuple(header) != COLUMNS:
            raise ValueError(f"{source} is not data/generate.py's usage export (header {header})")
        first = True
        for block in _blocks(src):
            if b'"' in block:  # the text columns are quoted as they are: a quote inside would need doubling
                raise ValueError(f"{source} holds a quote character; data/generate.py's usage export has none")
            frame = pl.read_csv(block, has_header=False, new_columns=header, infer_schema=False)
            # the quoted shape quotes its cells (and header) itself; the offset shape needs no quotes
            rewrite(frame).write_csv(out, include_header=first, quote_style="never")
            first = False
        if first:  # no rows: the header alone
            rewrite(pl.DataFrame(schema=dict.fromkeys(header, pl.String))).write_csv(out, quote_style="never")
    partial.replace(target)
    return target


def _blocks(src: BinaryIO) -> Iterator[bytes]:
    """The rest of `src` in blocks of about BLOCK_BYTES, each ending at the end of a line."""
    rest = b""
    while chunk := src.read(BLOCK_BYTES):
        block = rest + chunk
        cut = block.rfind(b"\n") + 1
        block, rest = block[:cut], block[cut:]
        if block:
            yield block
    if rest.strip():
        yield rest


def offset_shape(frame: pl.DataFrame) -> pl.DataFrame:
    """Each `…T…Z` timestamp as the same instant in its user's zone: `YYYY-MM-DD HH:MM:SS±HH:MM`."""
    import numpy as np
    import polars as pl

    utc = frame["occurred_at"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC")
    buckets = np.array([z for z, (_, weight) in enumerate(ZONES) for _ in range(weight)])
    zone = buckets[(frame["user_id"].hash(seed=7) % len(buckets)).to_numpy()]
    local = pl.Series("occurred_at", [None] * frame.height, dtype=pl.String)
    for z, (name, _) in enumerate(ZONES):
        rows = np.flatnonzero(zone == z)
        local = local.scatter(rows, utc.gather(rows).dt.convert_time_zone(name).dt.strftime("%Y-%m-%d %H:%M:%S%:z"))
    return frame.with_columns(local)


def quoted_shape(frame: pl.DataFrame) -> pl.DataFrame:
    """The canonical columns plus `client` and `prompt_summary`, every text field and the header quoted."""
    import numpy as np
    import polars as pl

    number = frame["event_id"].str.slice(1).cast(pl.UInt64).to_numpy()
    mixed = number * 2654435761 % (1 << 32)  # Knuth's multiplicative hash: event numbers spread over all choices
    # a summary: its use case's template (one of three by the event number) around a counterparty
    use_case = frame["use_case"].cast(pl.Enum(list(SUMMARIES))).to_physical().to_numpy().astype(np.uint64)
    template = use_case * 3 + mixed // 256 % 3
    befores = [_doubled(before) for choices in SUMMARIES.values() for before, _ in choices]
    afters = [_doubled(after) for choices in SUMMARIES.values() for _, after in choices]
    counterparty = _pick([_doubled(c) for c in COUNTERPARTIES], mixed % len(COUNTERPARTIES))
    second = _pick(("", _doubled(SECOND_LINE)), mixed // 65536 % MULTILINE == 0)
    summary = pl.select(pl.concat_str(_pick(befores, template), counterparty, _pick(afters, template), second))
    extra = {"client": _pick([_doubled(c) for c in CLIENTS], mixed // 16 % len(CLIENTS)),
             "prompt_summary": summary.to_series()}
    return frame.with_columns(**extra).select(
        [(_quote(pl.col(c)) if c in TEXT or c in EXTRA else pl.col(c).fill_null("")).alias(f'"{c}"')
         for c in QUOTED_ORDER])


def _pick(values: Sequence[str], index: np.ndarray) -> pl.Series:
    """values[index] row by row (index: integers, or booleans for two values)."""
    import numpy as np
    import polars as pl

    return pl.Series(values, dtype=pl.String).gather(index.astype(np.int64))


def _doubled(text: str) -> str:
    """Text as it goes between quotes: a quote character doubled."""
    return text.replace('"', '""')


def _quote(text: pl.Expr) -> pl.Expr:
    """A cell whose quotes are already doubled (the source has none; the extra columns are built doubled) in
    quotes, `"…"`; an empty cell stays bare."""
    import polars as pl

    return pl.concat_str(pl.lit('"'), text, pl.lit('"')).fill_null("")


def main(argv: list[str] | None = None) -> int:
    """`python bench/shapes.py SOURCE SHAPE TARGET`: what bench/run.py runs in a process of its own."""
    import argparse

    parser = argparse.ArgumentParser(description="Write data/generate.py's usage.csv in one of the shapes.")
    parser.add_argument("source", type=Path)
    parser.add_argument("shape", choices=SHAPES)
    parser.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    write_shape(args.source, args.shape, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
