"""Where a benchmark records its figures: between a pair of HTML comment markers in bench/README.md.

    write_between(README, "<!-- results:begin -->", "<!-- results:end -->", lines)

Every benchmark writes its own block the same way, so the text around the blocks, written by hand,
is never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_between(readme: Path, begin: str, end: str, lines: Sequence[str], *, section: str | None = None) -> None:
    """Replace what lies between the markers `begin` and `end` in `readme` by `lines`, one line each.

    The markers stay on lines of their own; everything before `begin` and after `end` is kept byte
    for byte. Where `readme` has no `begin` marker, `section` (text holding both markers) is first
    appended after the file's last line; without a `section` that is a ValueError naming the
    missing marker, as is an `end` marker missing after `begin`.
    """
    text = readme.read_text(encoding="utf-8")
    if begin not in text:
        if section is None:
            raise ValueError(f"{readme.name} has no {begin} marker: add the pair {begin} {end} "
                             "where the figures belong")
        text = text.rstrip("\n") + "\n" + section
    start = text.index(begin) + len(begin)
    stop = text.find(end, start)
    if stop < 0:
        raise ValueError(f"{readme.name} has no {end} marker after {begin}: add it where the figures end")
    readme.write_text(text[:start] + "\n" + "\n".join(lines) + "\n" + text[stop:], encoding="utf-8")
