"""Where the records of a CSV are, found by a numpy pass over its bytes (no Python loop per row).

A record ends at an LF outside quotes (an even number of quote characters before it), so line
numbers survive quoted newlines and blank lines. The same pass counts CRLF endings and blank
lines, tells whether the file ends inside quotes, whether any cell may need trimming, and what
the bytes above 0x7F are: none, valid UTF-8 sequences, or bytes that are not UTF-8 (the reader
decides the encoding from that, DESIGN.md §2 "Encoding and shape").
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
    non_ascii: bool = False  # some byte is above 0x7F
    multibyte: bool = False  # some bytes form a valid multi-byte UTF-8 sequence
    invalid: int = 0         # bytes that are not part of a valid UTF-8 sequence
    # What a cell may hold that costs a check per cell (loaders.validate.Suspect); True when not ruled out.
    controls: bool = True        # a control character: a C0 byte but tab, LF and CR, or a C1 character
    line_breaks: bool = True     # an LF or CR inside a quoted value
    hashes: bool = True          # a '#' (Excel writes its error cells so: #N/A, #DIV/0!)
    unicode_spaces: bool = True  # a Unicode space (no-break, ideographic, ...), to be trimmed like a space
    newlines: np.ndarray | None = None       # byte offsets of every LF
    record_starts: np.ndarray | None = None  # byte offsets where each non-empty data record starts
    invalid_at: np.ndarray | None = None     # byte offsets of the bytes that are not valid UTF-8


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
    padded = controls = hashes = False
    lfs = crs = 0
    utf8 = Utf8Check(positions)
    for chunk in chunks:
        buf = np.frombuffer(chunk, dtype=np.uint8)
        utf8.feed(buf, offset)
        # LF, CR, tab, space, the quote and '#' (with the other control bytes and '!'): one pass for all
        low = np.flatnonzero(buf <= 35)
        kinds = buf[low]
        nl = low[kinds == 10]
        q = low[kinds == 34]
        crs += int(np.count_nonzero(kinds == 13))
        lfs += len(nl)
        hashes = hashes or bool((kinds == 35).any())
        controls = controls or bool(((kinds < 32) & (kinds != 9) & (kinds != 10) & (kinds != 13)).any())
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
    utf8.finish(size)
    found = Scan(header_end, records, blank, quotes % 2 == 1, last_quote, crlf, boundaries, padded=padded or quotes > 0,
                 non_ascii=utf8.non_ascii, multibyte=utf8.multibyte, invalid=utf8.invalid,
                 controls=controls or utf8.c1, line_breaks=lfs > boundaries or crs > crlf, hashes=hashes,
                 unicode_spaces=utf8.spaces)
    if positions:
        found.newlines = np.concatenate(newline_parts) if newline_parts else np.empty(0, np.int64)
        starts = np.concatenate(starts_parts) if starts_parts else np.empty(0, np.int64)
        found.record_starts = starts.astype(np.int64)
        found.invalid_at = utf8.invalid_positions()
    return found


@cache
def _spaces() -> np.ndarray:
    """The code points of three-byte Unicode spaces that are trimmed like spaces (loaders.validate)."""
    import numpy as np

    return np.array([0x1680, *range(0x2000, 0x200C), 0x202F, 0x205F, 0x3000, 0xFEFF], dtype=np.int32)


UTF8_SLICE = 1 << 22  # 4 MiB: the UTF-8 check's working set (8 bytes per byte above 0x7F) stays small


@cache
def _utf8_lengths() -> np.ndarray:
    """For each byte value above 0x7F, the length of the UTF-8 sequence it starts: 2 to 4 for a lead byte, 0
    for a continuation byte (0x80-0xBF), 1 for a byte that never appears in UTF-8 (0xC0, 0xC1, 0xF5-0xFF)."""
    import numpy as np

    lengths = np.zeros(256, dtype=np.uint8)
    lengths[0xC0:0xC2] = 1
    lengths[0xC2:0xE0] = 2
    lengths[0xE0:0xF0] = 3
    lengths[0xF0:0xF5] = 4
    lengths[0xF5:] = 1
    return lengths


class Utf8Check:
    """Which bytes of a file are not valid UTF-8, and whether some form a valid multi-byte sequence, fed the
    file's bytes in consecutive chunks. Only the bytes above 0x7F are looked at (a chunk without any costs
    one max()), as arrays: each lead byte must be followed by exactly its continuation bytes, with the second
    byte's narrower ranges after 0xE0, 0xED, 0xF0 and 0xF4 (no overlong forms, surrogates, or code points past
    U+10FFFF), and each continuation byte must belong to a lead. That is the strict UTF-8 Python's and DuckDB's
    decoders accept. A sequence cut by the end of a chunk waits for the next one."""

    def __init__(self, positions: bool = False) -> None:
        import numpy as np

        self.non_ascii = self.multibyte = False
        self.c1 = self.spaces = False  # some valid sequence is a C1 control character; a Unicode space
        self.invalid = 0
        self._positions: list[np.ndarray] | None = [] if positions else None
        self._held = np.empty(0, dtype=np.int64)  # offsets and values of a sequence the chunk's end cut short
        self._held_bytes = np.empty(0, dtype=np.uint8)

    def feed(self, buf: np.ndarray, offset: int) -> None:
        """Check the bytes `buf`, which start at byte `offset` of the file."""
        import numpy as np

        for start in range(0, len(buf), UTF8_SLICE):
            part = buf[start:start + UTF8_SLICE]
            if not len(self._held) and part.max() < 0x80:
                continue
            at = np.flatnonzero(part >= 0x80)
            self.non_ascii = self.non_ascii or bool(len(at))
            values = part[at]
            at += offset + start
            if len(self._held):
                at, values = np.concatenate((self._held, at)), np.concatenate((self._held_bytes, values))
            self._check(at, values, offset + start + len(part), final=False)

    def finish(self, size: int) -> None:
        """The end of the file (`size` bytes): a sequence still waiting for its bytes is not valid."""
        if len(self._held):
            self._check(self._held, self._held_bytes, size, final=True)

    def invalid_positions(self) -> np.ndarray:
        import numpy as np

        parts = self._positions or []
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, dtype=np.int64)

    def _check(self, at: np.ndarray, values: np.ndarray, end: int, final: bool) -> None:
        """`at`: offsets of bytes above 0x7F in file order, `values` those bytes; `end`: the offset just past
        the bytes seen so far."""
        import numpy as np

        need = _utf8_lengths()[values]
        n = len(at)
        keep = n if final else _cut_short(at, need, end)
        self._held, self._held_bytes = at[keep:], values[keep:]
        at, values, need, n = at[:keep], values[:keep], need[:keep], keep
        if not n:
            return

        def follows(m: int) -> np.ndarray:  # the byte m after each is a continuation byte right after it
            ok = np.zeros(n, dtype=bool)
            if n > m:
                ok[:-m] = (at[m:] - at[:-m] == m) & (need[m:] == 0)
            return ok

        one, two, three = follows(1), follows(2), follows(3)
        second = np.zeros(n, dtype=np.uint8)
        second[:-1] = values[1:]
        lead2 = (need == 2) & one
        lead3 = ((need == 3) & one & two & ~((values == 0xE0) & (second < 0xA0))
                 & ~((values == 0xED) & (second > 0x9F)))
        lead4 = ((need == 4) & one & two & three & ~((values == 0xF0) & (second < 0x90))
                 & ~((values == 0xF4) & (second > 0x8F)))
        lead = lead2 | lead3 | lead4
        valid = lead.copy()
        valid[1:] |= lead[:-1]
        valid[2:] |= (lead3 | lead4)[:-2]
        valid[3:] |= lead4[:-3]
        self.multibyte = self.multibyte or bool(lead.any())
        if not (self.c1 and self.spaces) and lead.any():
            third = np.zeros(n, dtype=np.uint8)
            third[:-2] = values[2:]
            lead_bits, second_bits = values.astype(np.int32), second.astype(np.int32) & 0x3F
            two_cp = ((lead_bits & 0x1F) << 6) | second_bits
            three_cp = ((lead_bits & 0x0F) << 12) | (second_bits << 6) | (third & 0x3F)
            self.c1 = self.c1 or bool((lead2 & (two_cp < 0xA0)).any())
            self.spaces = self.spaces or bool((lead2 & (two_cp == 0xA0)).any()
                                              or (lead3 & np.isin(three_cp, _spaces())).any())
        bad = int(n - np.count_nonzero(valid))
        self.invalid += bad
        if bad and self._positions is not None:
            self._positions.append(at[~valid])


def _cut_short(at: np.ndarray, need: np.ndarray, end: int) -> int:
    """Where a sequence that the bytes seen so far (up to `end`) may have cut short starts among the last
    three bytes above 0x7F (len(at) when none): a lead byte whose sequence would run past `end`, followed
    only by continuation bytes up to `end`. Its bytes are checked with the next chunk."""
    n = len(at)
    for k in range(max(0, n - 3), n):
        lead = int(need[k])
        if (lead >= 2 and int(at[k]) + lead > end and int(at[-1]) == end - 1 and int(at[-1]) - int(at[k]) == n - 1 - k
                and not need[k + 1:].any()):
            return k
    return n


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
