"""Where the records of a CSV are, found by a numpy pass over its bytes (no Python loop per row).

A record ends at an LF outside quotes (an even number of quote characters before it), so line
numbers survive quoted newlines and blank lines. The same pass counts CRLF endings and blank
lines, tells whether the file ends inside quotes, and whether any cell may need trimming.

numpy is imported by the functions that use it: the read-ahead's helper process imports it to scan,
while the importer itself, handed the scan, never needs it for a clean file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CHUNK = 1 << 26  # 64 MiB: the scan's working set stays small on multi-GB exports


@dataclass
class Scan:
    """Where the records of a CSV are. Without `positions`, only counts are kept, so a scan of a
    multi-GB export needs a few MB; the positions are taken (by a second scan) only when a line
    number has to be named."""

    header_end: int          # byte offset of the LF that ends the header
    records: int             # data records (header excluded), empty lines included
    blank: int               # data records that are empty lines
    open_quote: bool         # the file ends inside a quoted field
    last_quote: int = -1     # byte offset of the last quote character (the unclosed one, if open_quote)
    crlf: int = 0            # record ends written CRLF (the others are LF)
    ends: int = 0            # record ends (LFs outside quotes)
    padded: bool = True      # some data cell may start or end with whitespace, or be quoted (so maybe '')
    newlines: np.ndarray | None = None       # byte offsets of every LF
    record_starts: np.ndarray | None = None  # byte offsets where each non-empty data record starts


def scan_file(path: Path, positions: bool = False) -> Scan:
    """Find record boundaries: LFs preceded by an even number of quote characters."""
    with path.open("rb") as f:
        return scan_chunks(iter(lambda: f.read(CHUNK), b""), positions)


def scan_chunks(chunks: Iterable[bytes | memoryview], positions: bool = False) -> Scan:
    """scan_file over the file's bytes given in consecutive chunks (read, or views of a mapped file)."""
    import numpy as np

    newline_parts: list[np.ndarray] = []
    starts_parts: list[np.ndarray] = []
    quotes = offset = boundaries = blank = crlf = 0
    last_quote = -1
    first: int | None = None
    last: int | None = None       # the previous boundary, carried across chunks
    last_byte = -1                # the previous chunk's last byte, for a CR just before a boundary
    padded = False
    for chunk in chunks:
        buf = np.frombuffer(chunk, dtype=np.uint8)
        # LF, CR, tab, space and the quote (with the other control bytes and '!'): one pass for all
        low = np.flatnonzero(buf <= 34)
        kinds = buf[low]
        nl = low[kinds == 10]
        q = low[kinds == 34]
        # Outside quotes: an even number of quotes before it (a chunk without quotes, outside them: all).
        local = nl if not len(q) and quotes % 2 == 0 else nl[(quotes + np.searchsorted(q, nl)) % 2 == 0]
        if not padded:
            # The header's own spaces do not count; a header longer than a chunk: no shortcut.
            body = int(local[0]) + 1 if first is None and len(local) else 0 if first is not None else None
            padded = body is None or padded_cells(buf, low, kinds, body)
        if len(local):
            b = local + offset
            first = int(b[0]) if first is None else first
            seq = b if last is None else np.concatenate(([last], b))
            gaps = np.diff(seq)
            before_all = np.where(local > 0, buf[np.maximum(local - 1, 0)], last_byte)
            crlf += int((before_all == 13).sum())
            before = before_all[len(before_all) - len(gaps):]
            empty = (gaps == 1) | ((gaps == 2) & (before == 13))
            blank += int(empty.sum())
            if positions:  # the record after each boundary but the newest one
                starts_parts.append((seq[:-1] + 1)[~empty])
            boundaries += len(b)
            last = int(b[-1])
        if positions:
            newline_parts.append(nl + offset)
        quotes += len(q)
        if len(q):
            last_quote = int(q[-1]) + offset
        last_byte = int(buf[-1])
        offset += len(chunk)
    size = offset
    header_end = first if first is not None else size
    tail = last is not None and last + 1 < size  # a last record without a closing newline
    if tail and positions:
        starts_parts.append(np.array([last + 1], dtype=np.int64))  # type: ignore[operator]
    records = max(boundaries - 1, 0) + (1 if tail else 0)
    found = Scan(header_end, records, blank, quotes % 2 == 1, last_quote, crlf, boundaries, padded=padded or quotes > 0)
    if positions:
        found.newlines = np.concatenate(newline_parts) if newline_parts else np.empty(0, np.int64)
        starts = np.concatenate(starts_parts) if starts_parts else np.empty(0, np.int64)
        found.record_starts = starts.astype(np.int64)
    return found


@cache
def _edges() -> np.ndarray:
    """Bytes next to which a space would start or end a cell: the delimiters Rollgate reads, LF and CR."""
    import numpy as np

    edges = np.zeros(256, dtype=bool)
    edges[[ord(c) for c in ",;|\n\r"]] = True
    return edges


def padded_cells(buf: np.ndarray, low: np.ndarray, kinds: np.ndarray, body: int) -> bool:
    """Whether some cell of these bytes from offset `body` on (of a file without quotes) may start or
    end with whitespace, so that its text must be trimmed. `low`: the offsets of bytes <= 32, `kinds`
    those bytes. Conservative: a space next to any delimiter, any tab, a CR that does not end a line,
    whitespace at the edge of the bytes (its neighbour is unknown)."""
    keep = ((kinds == 32) | (kinds == 9) | (kinds == 13)) & (low >= body)
    ws, kinds = low[keep], kinds[keep]
    if not len(ws):
        return False
    if (kinds == 9).any() or ws[0] == body or ws[-1] == len(buf) - 1:
        return True
    after, before = buf[ws + 1], buf[ws - 1]
    cr = kinds == 13
    return bool((cr & (after != 10)).any() or (~cr & (_edges()[after] | _edges()[before])).any())


def count_newlines(path: Path, before: int) -> int:
    """How many LFs come before byte offset `before` (for naming a line without a full scan)."""
    count = offset = 0
    with path.open("rb") as f:
        while offset < before and (chunk := f.read(min(CHUNK, before - offset))):
            count += chunk.count(b"\n")
            offset += len(chunk)
    return count


def line_of(scan: Scan, byte_offsets: np.ndarray) -> np.ndarray:
    """1-based physical line of each byte offset (needs a scan with positions)."""
    import numpy as np

    assert scan.newlines is not None
    return np.searchsorted(scan.newlines, byte_offsets, side="left") + 1
