"""Read an uploaded file into a DuckDB temporary table of text columns, one row per record.

The table has the source columns as `c0, c1, ...` (all text, exactly as written, nothing
inferred) and `line`: where the record starts in the file (header = line 1). Rows that cannot
even be split into the header's columns (ragged rows), and lines that hold bytes that are not
valid UTF-8 in a UTF-8 file, are kept aside as structural rejects with their line and the
reason, never truncated, padded or guessed at.

What a file is comes from its bytes, not only its name (DESIGN.md §2 "Encoding and shape"):
gzip is unpacked, other archives, documents, images and binary data are refused saying what
they are, UTF-16 (with or without a byte-order mark) and Windows-1252 are read through a UTF-8
copy, and a UTF-8 file is read as UTF-8 however many stray bytes it holds. Copies live beside
the database (loaders.scratch).

Reading is vectorised: DuckDB's CSV reader with an explicit dialect does the parsing, and a
numpy scan over the bytes finds where each record starts and which bytes are not UTF-8, so line
numbers survive quoted newlines and blank lines without a Python loop per row.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import hashlib
import io
import os
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import duckdb

from core.errors import InputError
from loaders.formats import BZIP2, FORMATS, GZIP_MAGIC, NOT_TEXT, ZIP_DOCUMENTS
from loaders.raw import MAX_COLUMNS, Cut, RawFile, first_line, next_table, not_utf8, too_many_columns
from loaders.scan import CHUNK, Scan, count_newlines, line_of, scan_chunks, scan_file
from loaders.scratch import folder_for, new_copy, scratch
from loaders.store import scalar
from loaders.tables import read_json, read_parquet, read_xlsx

if TYPE_CHECKING:
    import numpy as np

__all__ = ["FORMATS", "Builder", "Cut", "RawFile", "detect_format", "file_sha256", "load", "next_table", "peek",
           "plain_bytes", "read_file", "scratch", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# A record may be up to 16 MiB (a long comment or pasted log). DuckDB's CSV reader (2.0.1) cuts a file
# into pieces every max(max_line_size, buffer_size / 4) bytes, its buffer being 16 lines by default:
# a piece every 64 MiB, parsed by as many threads. A file without a single quote character splits
# into records at every line end, unambiguously, so it is given buffers of BUFFER_BYTES (a piece every
# 16 MiB) and both cores parse even a 1M-row export: about a third off its import on two cores. At a
# cut DuckDB can go wrong: a piece that starts inside a quoted value, or with a blank line or a ragged
# row, may split records wrongly, drop or repeat rows, or see bytes that are not UTF-8 where there are
# none. Each such slip shows (a ragged row, an encoding error, a row count other than the scan's, a
# failed read), so a file that may have been cut and shows any of them is read again whole: one piece
# (a line limit above its size), one thread. DuckDB then holds the whole file in one buffer, so past
# WHOLE_BYTES a file is read again only if it was given BUFFER_BYTES, and then with the default cuts.
MAX_LINE_BYTES = 16 << 20
BUFFER_BYTES = 32 << 20
WHOLE_BYTES = 256 << 20

HEAD_BYTES = 1 << 16      # the head of a file looked at to tell what it is (gzip: of its unpacked text)
HEADER_BYTES = 1 << 20    # the longest header line read
GUNZIP_BYTES = 4 << 30    # the most a gzip file may unpack to (a small file can unpack to terabytes)

UTF8_BOM = b"\xef\xbb\xbf"
Folder = Callable[[], Path]  # where copies go (loaders.scratch.folder_for), looked up when one is made
INVALID_ENCODING = "INVALID ENCODING"


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes, read in chunks (64 MiB), so a big export does not sit in memory.

    A CSV the reader scans as it is (not gzip, not UTF-16) is scanned (loaders.scan) from the same chunks, and
    the scan kept for that read: each chunk is hashed on a second thread (hashing releases the interpreter lock,
    as numpy's passes do) while it is scanned, so the two take the time of the longer, not the sum."""
    global _scanned
    digest = hashlib.sha256()
    stamp = _stamp(path) if _scanned_as_is(path) else None
    with path.open("rb") as f:
        if stamp is None:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
            return digest.hexdigest()
        with ThreadPoolExecutor(1) as pool:
            scan = scan_chunks(_hashed(f, digest.update, pool))
    if _stamp(path) == stamp:
        _scanned = (stamp, scan)
    return digest.hexdigest()


def _hashed(f: BinaryIO, update: Callable[[bytes], None], pool: ThreadPoolExecutor) -> Iterator[bytes]:
    """The file's chunks, each handed to `pool` to be hashed (`update`) as it is yielded; the previous one is
    waited for first, so at most two chunks are held."""
    hashing: Future[None] | None = None
    while chunk := f.read(CHUNK):
        if hashing is not None:
            hashing.result()
        hashing = pool.submit(update, chunk)
        yield chunk
    if hashing is not None:
        hashing.result()


def _scanned_as_is(path: Path) -> bool:
    """Whether the reader scans the file itself, not a copy: a CSV by its name and first bytes, not gzip or
    UTF-16 (a file it would refuse is left to the read that says why)."""
    try:
        upload = identify(path, path.name)
    except (InputError, OSError):
        return False
    return upload.format == "csv" and not upload.gzip and not upload.utf16


# real path, size, modification time (ns), status-change time (ns: any write or utime moves it, and
# nothing sets it back), device and inode (a file replaced by another under the same name)
Stamp = tuple[str, int, int, int, int, int]

# The scan file_sha256 made last, with the stamp of the file it scanned: taken while the file still has it.
_scanned: tuple[Stamp, Scan] | None = None


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino


def _scan(path: Path) -> Scan:
    """The file's scan: file_sha256's, when it scanned this file as it still is."""
    found = _scanned
    if found is not None and found[0] == _stamp(path):
        return found[1]
    return scan_file(path)


# --- what the file is ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    """What an upload holds, told from its name and its first bytes."""

    format: str               # csv, parquet, xlsx, json or ndjson: of the unpacked text when gzip
    gzip: bool = False        # gzip-compressed: read through an unpacked copy
    utf16: str | None = None  # the codec of a UTF-16 text ("utf-16" with a byte-order mark, else -le or -be)


def detect_format(path: Path, name: str) -> str:
    """The file's format (csv, parquet, xlsx, json, ndjson) from its extension, checked against its bytes;
    of a gzip file, the format of the text inside. Raises InputError, naming the file and what it is
    instead, for anything Rollgate does not read."""
    return identify(path, name).format


def identify(path: Path, name: str) -> Upload:
    """What the file at `path` (shown as `name`) is (see Upload); InputError when Rollgate cannot read it."""
    suffix = Path(name).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise InputError(
            f"{name}: files ending in '{Path(name).suffix or '(no extension)'}' are not supported; "
            "upload CSV, Parquet, XLSX, JSON or NDJSON."
        )
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name}: the file is empty; export it again with its header and rows.")
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
        f.seek(max(0, size - 4))
        tail = f.read(4)
    if head.startswith(GZIP_MAGIC):
        return _gzip_upload(path, name, fmt)
    if fmt == "gzip":
        raise InputError(f"{name}: the name ends in .gz but the file is not gzip-compressed; give it its real "
                         "extension (.csv, .json) and upload it again.")
    if fmt == "parquet" and not (head[:4] == b"PAR1" and tail == b"PAR1"):
        raise InputError(f"{name}: this is not a complete Parquet file (it is corrupt, truncated or "
                         "another format renamed .parquet); export it again.")
    if fmt == "xlsx" and head[:4] != b"PK\x03\x04":
        raise InputError(f"{name}: this is not an Excel workbook (.xlsx); if it is a CSV or an old .xls "
                         "file, save it as CSV or .xlsx and upload that.")
    if fmt in ("parquet", "xlsx"):
        return Upload(fmt)
    return Upload(fmt, utf16=_text_kind(head, name, fmt, path))


def _gzip_upload(path: Path, name: str, fmt: str) -> Upload:
    """A gzip file: the format of the text inside, from the name without .gz (or the text's first character
    when that name has no extension of its own), checked like a file that was not compressed."""
    if fmt == "gzip":
        inner = Path(name[:-3])
        fmt = FORMATS.get(inner.suffix.lower(), "") if inner.suffix else ""
        if inner.suffix and not fmt:
            raise InputError(f"{name}: files ending in '{inner.suffix}.gz' are not supported; upload CSV or JSON, "
                             "compressed with gzip or not.")
    if fmt in ("parquet", "xlsx", "gzip"):
        raise InputError(f"{name}: Rollgate reads gzip-compressed CSV and JSON only; upload the "
                         f"{'Parquet' if fmt == 'parquet' else 'Excel'} file itself, not compressed.")
    try:
        with _open_gzip(path) as g:
            head = g.read(HEAD_BYTES)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise _damaged_gzip(name, e) from e
    if not head:
        raise InputError(f"{name}: the compressed file is empty; export it again with its header and rows.")
    if head.startswith(GZIP_MAGIC):
        raise InputError(f"{name}: the file is compressed twice; decompress it and upload the CSV or JSON inside.")
    if not fmt:
        first = head.lstrip(UTF8_BOM + b" \t\r\n")[:1]
        fmt = "json" if first == b"[" else "ndjson" if first == b"{" else "csv"
    return Upload(fmt, gzip=True, utf16=_text_kind(head, name, fmt, None))


def _open_gzip(path: Path) -> gzip.GzipFile:
    return gzip.GzipFile(path, "rb")


def _damaged_gzip(name: str, e: BaseException) -> InputError:
    return InputError(f"{name}: the gzip file is damaged or incomplete ({str(e) or type(e).__name__}); compress "
                      "the export again and upload that.")


def _text_kind(head: bytes, name: str, fmt: str, path: Path | None) -> str | None:
    """Of an upload named as text (CSV, JSON) whose first bytes are `head`: the codec of UTF-16 text, None
    for 8-bit text (UTF-8, Windows-1252). Raises InputError saying what the file is when it is not text.
    `path`: the file itself, to look into a zip archive (None for a file inside a gzip)."""
    word = "CSV" if fmt == "csv" else "JSON"
    for magic, what, todo in NOT_TEXT:
        if head.startswith(magic):
            if magic == b"PK\x03\x04" and path is not None:
                what, todo = _zip_document(path, what, todo)
            raise InputError(f"{name}: the file is {what}, not text; {todo.format(fmt=word)}.")
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        raise InputError(f"{name}: the file is {BZIP2[0]}, not text; {BZIP2[1].format(fmt=word)}.")
    if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise InputError(f"{name}: the file is UTF-32 text, which Rollgate does not read; save it as {word} UTF-8 and "
                         "upload that.")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if b"\x00" not in head:
        return None
    codec = _utf16_without_bom(head, name)
    if codec is not None:
        return codec
    if _binary(head):
        raise InputError(f"{name}: the file holds binary data (NUL bytes), not {word} text; export the data again "
                         f"as {word} and upload that.")
    return None  # a stray NUL in a cell: that row is rejected by validation


def _zip_document(path: Path, what: str, todo: str) -> tuple[str, str]:
    """What a zip archive is, by the files it holds (an .xlsx or .docx is one): (what, what to do)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return what, todo
    for member, document, action in ZIP_DOCUMENTS:
        if member in names:
            return document, action
    return what, todo


def _utf16_without_bom(head: bytes, name: str) -> str | None:
    """"utf-16-le" or "utf-16-be" when `head` shows UTF-16 text without a byte-order mark: NUL bytes on one side
    of the byte pairs (the high byte of every ASCII character: delimiters, digits, line ends; so even a file
    of names in another script has one in at least every fourth pair), and hardly any on the other; None
    otherwise (a lone NUL is a stray byte in a cell). Such bytes that do not read as UTF-16 are refused,
    saying so."""
    pairs = head[:len(head) // 2 * 2]
    even, odd = pairs[0::2].count(0), pairs[1::2].count(0)
    half = len(pairs) // 2
    for codec, nul, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nul >= 2 and nul * 4 >= half and other * 16 <= nul:
            try:
                codecs.getincrementaldecoder(codec)("strict").decode(pairs, final=False)
            except UnicodeDecodeError as e:
                raise _not_utf16(name, e.start + 1) from e
            return codec
    return None


def _not_utf16(name: str, at: int) -> InputError:
    return InputError(f"{name}: the file looks like UTF-16 text, but byte {at} cannot be read as UTF-16; save it as "
                      "CSV UTF-8 and upload that.")


def _binary(head: bytes) -> bool:
    """Whether a head holding NUL bytes (and not UTF-16) is binary data rather than text with a stray NUL in
    a cell: binary files hold NUL bytes in runs, or control bytes throughout."""
    if b"\x00\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return controls >= 8 and controls * 100 >= len(head)


def read_file(con: duckdb.DuckDBPyConnection, path: Path, name: str, sha256: str | None = None,
              sheet: str | None = None) -> RawFile:
    """Read `path` (shown to the user as `name`) into a temporary table on `con`; of a workbook, `sheet` (the
    first when None; other formats have no sheets and ignore it). Copies it needs (unpacked gzip, text made
    UTF-8) are made beside the database and listed in the result's temp_files."""
    upload = identify(path, name)
    digest = sha256 or file_sha256(path)
    folder: Folder = functools.cache(functools.partial(folder_for, con))  # one query, when a copy is made
    copies: list[Path] = []
    source = path
    try:
        if upload.gzip:
            source = _gunzip(path, name, folder, ".csv" if upload.format == "csv" else ".json")
            copies.append(source)
        if upload.format == "csv":
            raw = _read_csv(source, name, digest, folder, upload.utf16)
        elif upload.format == "parquet":
            raw = read_parquet(con, source, name, digest)
        elif upload.format == "xlsx":
            raw = read_xlsx(con, source, name, digest, sheet)
        else:
            if upload.utf16:
                source = _utf8_copy(source, name, folder, upload.utf16, suffix=".json")
                copies.append(source)
            raw = read_json(con, source, name, digest, upload.format, folder)
            if upload.utf16:
                raw.encoding = "UTF-16"
                raw.notes.insert(0, _UTF16_NOTE[upload.utf16])
    except BaseException:
        for f in copies:
            f.unlink(missing_ok=True)
        raise
    raw.temp_files = [*copies, *raw.temp_files]
    if upload.gzip:
        raw.notes.insert(0, "The file is gzip-compressed; it was unpacked, and line numbers are those of the "
                            "unpacked text.")
    if any("\x00" in h for h in raw.headers):
        _drop_temp(con, raw)
        raise InputError(f"{name}: a column name holds a NUL character; the file is damaged or not an export. "
                         "Export it again and upload that.")
    return raw


def plain_bytes(path: Path, name: str) -> bytes:
    """The bytes of a text upload (CSV, JSON) as Rollgate reads them, for a reader that takes a file whole (the
    presets' JSON): a gzip file unpacked (refused past GUNZIP_BYTES, or when damaged), UTF-16 text as UTF-8,
    anything else as it is. Raises InputError, naming the file, as read_file does for the same bytes."""
    upload = identify(path, name)
    if not upload.gzip:
        data = path.read_bytes()
    else:
        try:
            with _open_gzip(path) as g:
                data = g.read(GUNZIP_BYTES + 1)
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise _damaged_gzip(name, e) from e
        if len(data) > GUNZIP_BYTES:
            raise _too_big(name)
    if upload.utf16:
        try:
            return data.decode(upload.utf16).encode("utf-8")
        except UnicodeDecodeError as e:
            raise _not_utf16(name, e.start + 1) from e
    return data


def _gunzip(path: Path, name: str, folder: Folder, suffix: str) -> Path:
    """The unpacked text of a gzip file, as a copy in `folder()`; refused past GUNZIP_BYTES."""
    out = _new_copy(folder, suffix, name)
    written = 0
    with _filling(out, name):
        try:
            with _open_gzip(path) as src, out.open("wb") as dst:
                while chunk := src.read(1 << 24):
                    written += len(chunk)
                    if written > GUNZIP_BYTES:
                        raise _too_big(name)
                    dst.write(chunk)
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:  # BadGzipFile is an OSError: named first
            raise _damaged_gzip(name, e) from e
    return out


@contextmanager
def _filling(out: Path, name: str) -> Iterator[None]:
    """While the copy `out` is written: whatever fails, it is removed; an OS error (a full disk, a folder that
    may not be written) is said plainly."""
    try:
        yield
    except OSError as e:
        out.unlink(missing_ok=True)
        raise _no_room(name, e) from e
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _too_big(name: str) -> InputError:
    limit = f"{GUNZIP_BYTES >> 30} GiB" if GUNZIP_BYTES >= 1 << 30 else f"{GUNZIP_BYTES >> 20} MiB"
    return InputError(f"{name}: the file unpacks to more than {limit}, more than Rollgate reads at once; split the "
                      "export (a month per file) and upload the parts.")


def _new_copy(folder: Folder, suffix: str, name: str) -> Path:
    try:
        return new_copy(folder(), suffix)
    except OSError as e:
        raise _no_room(name, e) from e


def _no_room(name: str, e: OSError) -> InputError:
    return InputError(f"{name}: a working copy of the file could not be written beside the database "
                      f"({e.strerror or e}); check that the database's folder can be written to and has free space, "
                      "then try again.")


# --- CSV -------------------------------------------------------------------------------------

_UTF16_NOTE = {
    "utf-16": "The file is UTF-16 (Excel's \"Unicode text\"); it was read as such.",
    "utf-16-le": "The file is UTF-16 (little-endian, without a byte-order mark); it was read as such.",
    "utf-16-be": "The file is UTF-16 (big-endian, without a byte-order mark); it was read as such.",
}


def _utf8_copy(path: Path, name: str, folder: Folder, encoding: str | None, newlines: str = "auto",
               suffix: str = ".csv") -> Path:
    """A UTF-8 copy of the text file at `path`, in `folder()`, read and written in chunks: decoded from
    `encoding` (None: the file is UTF-8 already and is copied byte for byte, stray bytes included), with line
    ends made LF as `newlines` says: "cr" (CR alone ends lines), "crlf" (CRLF, for files that mix CRLF and
    LF, which no reader accepts), "auto" (CR alone when the first chunk has CR and no LF), "keep"."""
    out = _new_copy(folder, suffix, name)
    decoder = codecs.getincrementaldecoder(encoding)("strict") if encoding else None
    offset, carry, first = 0, b"", True
    with _filling(out, name), path.open("rb") as src, out.open("wb") as dst:
        while True:
            chunk = src.read(CHUNK)
            data = _decode(decoder, chunk, offset, name, encoding) if decoder else chunk
            offset += len(chunk)
            if first and newlines == "auto":
                newlines = "cr" if b"\n" not in data and b"\r" in data else "keep"
            first = False
            if newlines == "cr":
                data = data.replace(b"\r", b"\n")
            elif newlines == "crlf":
                data = carry + data
                carry = b"\r" if chunk and data.endswith(b"\r") else b""
                data = data[:len(data) - len(carry)].replace(b"\r\n", b"\n")
            dst.write(data)
            if not chunk:
                break
    return out


def _decode(decoder: codecs.IncrementalDecoder, chunk: bytes, offset: int, name: str, encoding: str | None
            ) -> bytes:
    pending = len(decoder.getstate()[0])
    try:
        return decoder.decode(chunk, final=not chunk).encode("utf-8")
    except UnicodeDecodeError as e:
        at = offset - pending + e.start + 1
        if encoding == "cp1252":
            raise InputError(f"{name}: the file is neither UTF-8 nor Windows-1252 text (byte {at} cannot be read); "
                             "save it as CSV UTF-8 and upload that.") from e
        raise _not_utf16(name, at) from e


def sniff_delimiter(header: str) -> str | None:
    """The candidate delimiter that splits the header into the most columns (quotes respected)."""
    best, best_count = None, 0
    for d in DELIMITERS:
        n = len(_split(header, d))
        if n > best_count:
            best, best_count = d, n
    return best if best_count > 1 else None


def _split(header: str, delimiter: str) -> list[str]:
    if csv.field_size_limit() <= HEADER_BYTES:  # a header cell may be as long as the header (default: 128 KiB)
        csv.field_size_limit(HEADER_BYTES + 1)
    return next(csv.reader(io.StringIO(header), delimiter=delimiter, quotechar='"'), [])


def _read_csv(path: Path, name: str, digest: str, folder: Folder,
              utf16: str | None) -> RawFile:
    """A CSV in any encoding Rollgate reads: UTF-16 and Windows-1252 through a UTF-8 copy, UTF-8 as it is.
    A file is UTF-8 when it starts with a UTF-8 byte-order mark, holds a valid multi-byte UTF-8 sequence,
    or no byte above 0x7F; its lines with bytes that are not UTF-8 are rejected one by one (load). It is
    Windows-1252 when some byte is above 0x7F and none forms a multi-byte UTF-8 sequence."""
    if utf16:
        copy = _utf8_copy(path, name, folder, utf16)
        return _csv_source(copy, name, digest, "UTF-16", folder, [copy], note=_UTF16_NOTE[utf16])
    scan = _scan(path)
    with path.open("rb") as f:
        bom = f.read(3) == UTF8_BOM
    if bom or scan.multibyte or not scan.non_ascii:
        return _csv_source(path, name, digest, "UTF-8 with BOM" if bom else "UTF-8", folder, scan=scan)
    copy = _utf8_copy(path, name, folder, "cp1252")
    return _csv_source(copy, name, digest, "Windows-1252", folder, [copy],
                       note="The file is not UTF-8; it was read as Windows-1252 (Western European).")


def _csv_source(path: Path, name: str, digest: str, encoding: str, folder: Folder, temp_files: list[Path] | None = None,
                scan: Scan | None = None, note: str | None = None) -> RawFile:
    """The header, dialect and record starts of a UTF-8 CSV, and the reader call for its rows."""
    temp_files = list(temp_files or [])
    with path.open("rb") as f:
        probe = f.read(1 << 16)
    if b"\n" not in probe and b"\r" in probe:  # old Mac exports end lines with CR alone
        path = _utf8_copy(path, name, folder, None, newlines="cr")
        temp_files.append(path)
        scan = None
    scan = scan or scan_file(path)
    notes = [note] if note else []
    if 0 < scan.crlf < scan.ends:
        path = _utf8_copy(path, name, folder, None, newlines="crlf")
        temp_files.append(path)
        scan = scan_file(path)
        notes.append("Line ends were mixed (Windows CRLF and Unix LF); they were read as one kind.")
    if scan.open_quote:
        line = count_newlines(path, scan.last_quote) + 1
        raise InputError(f"{name}: line {line}: a quoted value is never closed (the file ends inside quotes); "
                         "fix the quotes on that line or export the file again.")
    header_line = _header_text(path, scan.header_end, name)
    delim = sniff_delimiter(header_line)
    if delim is None:
        raise InputError(
            f"{name}: line 1 has a single column ('{header_line[:80]}'); Rollgate reads CSV separated by "
            "commas, semicolons, tabs or pipes. Check that line 1 is the header."
        )
    headers = [h.strip() for h in _split(header_line, delim)]
    if len(headers) > MAX_COLUMNS:
        raise InputError(too_many_columns(name, "line 1 (the header) has", len(headers)))
    table = next_table()
    rej, scans = f"{table}_rej", f"{table}_scan"
    cols = {f"c{i}": "varchar" for i in range(len(headers))}
    cut: Cut = "parallel" if scan.last_quote < 0 and path.stat().st_size > BUFFER_BYTES else "default"
    if delim != ",":
        notes.append(f"Columns are separated by {DELIMITER_NAMES[delim]}s.")
    return RawFile(name, "csv", headers, _reader(rej, scans, cut, path), [str(path), delim, cols], digest,
                   encoding=encoding, delimiter=delim, blank_lines=scan.blank, notes=notes, temp_tables=[rej, scans],
                   temp_files=temp_files, source=path, scan=scan, cut=cut)


def _header_text(path: Path, header_end: int, name: str) -> str:
    """Line 1, checked: at most HEADER_BYTES long, no NUL byte, valid UTF-8 (every copy is UTF-8, so a file
    read as UTF-8 whose header is not has stray bytes there: its columns cannot be named)."""
    if header_end > HEADER_BYTES:
        raise InputError(f"{name}: line 1 (the header) is longer than 1 MiB; a header names the columns and is "
                         "far shorter. Check that line 1 is the header and that the file is a CSV export.")
    with path.open("rb") as f:
        raw = f.read(header_end)
    if (nul := raw.find(b"\x00")) >= 0:
        raise InputError(f"{name}: line 1 (the header) holds a NUL byte (byte {nul + 1}), which no column name can "
                         "hold; the file is damaged or not a CSV export. Export it again and upload that.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: line 1 (the header): byte {e.start + 1} is not valid UTF-8, so the columns "
                         "cannot be named; correct the header, or save the file as CSV UTF-8, and upload it "
                         "again.") from e
    return text.removeprefix("\ufeff").rstrip("\r\n")


def _reader(rej: str, scans: str, cut: Cut, path: Path) -> str:
    """DuckDB's reader call for a CSV of known dialect. The dialect is given, never sniffed (DuckDB's
    sniffer misreads small semicolon files); every value is text so nothing is inferred; malformed rows
    go to the rejects tables `rej` and `scans`, not an error. `cut`: see BUFFER_BYTES."""
    size = {"parallel": f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {BUFFER_BYTES}",
            "default": f"max_line_size = {MAX_LINE_BYTES}",
            "whole": f"max_line_size = {max(MAX_LINE_BYTES, path.stat().st_size + 1)}"}[cut]
    return ("read_csv(?, header = true, all_varchar = true, delim = ?, quote = '\"', escape = '\"', "
            f"auto_detect = false, columns = ?, strict_mode = true, store_rejects = true, "
            f"rejects_table = '{rej}', rejects_scan = '{scans}', encoding = 'utf-8', {size})")


def _read_again(raw: RawFile) -> Cut | None:
    """How to read again a file whose read showed something amiss (see BUFFER_BYTES); None when it was
    read in one piece, so what the read shows is what the file holds."""
    if raw.format != "csv" or raw.source is None or raw.cut == "whole":
        return None
    size = raw.source.stat().st_size
    if size <= MAX_LINE_BYTES:  # a piece is at least a line limit long: this was one piece
        return None
    if size <= WHOLE_BYTES:
        return "whole"
    return "default" if raw.cut == "parallel" else None


def _reread(con: duckdb.DuckDBPyConnection, raw: RawFile, target: str, cut: Cut) -> RawFile:
    """The file of a read that showed something amiss, to be read again as `cut` says."""
    assert raw.source is not None
    for t in [target, *raw.temp_tables]:
        con.execute(f"drop table if exists {t}")
    rej, scans = raw.temp_tables[:2]
    return replace(raw, relation=_reader(rej, scans, cut, raw.source), cut=cut)


Builder = Callable[[RawFile], tuple[str, list[object]]]


def load(con: duckdb.DuckDBPyConnection, raw: RawFile, target: str, build: Builder) -> RawFile:
    """Create temp table `target` from `build(raw)` (a SELECT over raw.relation), then settle what only
    the parse tells: ragged rows, lines that are not UTF-8, each row's line. Returns the file as finally read."""
    sql, params = build(raw)
    try:
        con.execute(f"create temp table {target} as {sql}", params)
    except duckdb.Error as e:
        if again := _read_again(raw):
            return load(con, _reread(con, raw, target, again), target, build)
        raise InputError(f"{raw.name}: the file could not be read ({first_line(e, raw.source, raw.name)}).") from e
    if raw.format != "csv":
        raw.rows = scalar(con, f"select count(*) from {target}")
        return raw
    assert raw.scan is not None and raw.source is not None
    rej = raw.temp_tables[0]
    found = con.execute(f"select line_byte_position, error_type, error_message, csv_line from {rej}").fetchall()
    for t in raw.temp_tables:
        con.execute(f"drop table if exists {t}")
    # One report per record: a row short of k fields is reported k times at one position, and a line that is
    # not UTF-8 may be reported as ragged as well; its encoding is what is wrong with it.
    first: dict[int, tuple[str, str, str]] = {}
    for pos, kind, msg, text in found:
        if kind == INVALID_ENCODING or int(pos) not in first:
            first[int(pos)] = (kind, msg, text)
    rows = scalar(con, f"select count(*) from {target}")
    counted = rows == raw.scan.records - raw.scan.blank - len(first)
    # Lines that are not UTF-8 are in the file itself (the scan finds them, and they are checked against it
    # below); any other reject, a count other than the scan's, or an encoding error where the scan finds none
    # may be a slip at a cut.
    if (not counted or any(kind != INVALID_ENCODING for kind, _, _ in first.values())
            or (first and not raw.scan.invalid)) and (again := _read_again(raw)):
        return load(con, _reread(con, raw, target, again), target, build)
    if not counted:
        con.execute(f"drop table {target}")
        raise InputError(_stray_quote_message(raw.name))
    raw.rows = rows
    if not first and not raw.scan.invalid:
        return raw
    # name each problem's line: this needs where every record starts
    import numpy as np

    raw.scan = scan_file(raw.source, positions=True)
    starts, invalid_at = raw.scan.record_starts, raw.scan.invalid_at
    assert starts is not None and invalid_at is not None
    # DuckDB 2.0 reports a bad row's position as its first byte or the byte after it, depending
    # on what precedes the row; either way the row is the first record starting at or after p - 1.
    positions = np.array(sorted(first), dtype=np.int64)
    idx = np.minimum(np.searchsorted(starts, positions - 1, side="left"), len(starts) - 1)
    raw.reject_positions = starts[idx] if len(starts) else positions
    reports = [first[int(p)] for p in positions]
    not_utf8 = {int(s) for s, (kind, _, _) in zip(raw.reject_positions, reports, strict=True)
                if kind == INVALID_ENCODING}
    # The records that hold bytes that are not UTF-8, by the scan: DuckDB must have set aside exactly these.
    holding = starts[np.searchsorted(starts, invalid_at, side="right") - 1] if len(starts) else invalid_at
    if not_utf8 != {int(s) for s in holding}:
        if again := _read_again(raw):
            return load(con, _reread(con, raw, target, again), target, build)
        con.execute(f"drop table {target}")
        raise InputError(f"{raw.name}: the lines that are not valid UTF-8 could not be told apart reliably; save the "
                         "file as CSV UTF-8 and upload it again.")
    lines = line_of(raw.scan, raw.reject_positions)
    for (kind, msg, _), line in zip(reports, lines, strict=True):
        if kind == "UNQUOTED VALUE":
            con.execute(f"drop table {target}")
            raise InputError(f"{raw.name}: line {line}: a quoted value is never closed ({msg}); fix the "
                             "quotes on that line or export the file again.")
    bad = _first_invalid(invalid_at, holding)
    texts = _record_texts(raw.source, raw.scan, sorted(bad))
    raw.structural, raw.structural_raw = [], []
    for (kind, msg, text), line, start in zip(reports, lines.tolist(), raw.reject_positions.tolist(), strict=True):
        if start in bad:
            raw.structural.append((line, _not_utf8_reason(raw.scan, line, bad[start])))
            raw.structural_raw.append(texts[start])
        else:
            raw.structural.append((line, _ragged_reason(kind, msg)))
            raw.structural_raw.append(text)
    if bad:
        raw.notes.append(_not_utf8_note([line for line, start in zip(lines.tolist(), raw.reject_positions.tolist(),
                                                                     strict=True) if start in bad]))
    return raw


def _first_invalid(invalid_at: np.ndarray, holding: np.ndarray) -> dict[int, int]:
    """For each record (by its start) that holds bytes that are not UTF-8, the offset of the first of them."""
    import numpy as np

    if not len(invalid_at):
        return {}
    first = np.r_[True, holding[1:] != holding[:-1]]  # invalid_at is sorted, so is holding
    return {int(s): int(p) for s, p in zip(holding[first], invalid_at[first], strict=True)}


def _not_utf8_reason(scan: Scan, record_line: int, at: int) -> str:
    """Where in the line the first byte that is not UTF-8 is (counting from 1), said for a manager."""
    import numpy as np

    assert scan.newlines is not None
    k = int(np.searchsorted(scan.newlines, at, side="left"))  # LFs before it: it is on line k + 1
    start = int(scan.newlines[k - 1]) + 1 if k else 0
    where = f"byte {at - start + 1} of the line" if k + 1 == record_line else f"byte {at - start + 1} of line {k + 1}"
    return not_utf8(where)


def _not_utf8_note(lines: list[int]) -> str:
    if len(lines) == 1:
        return (f"Line {lines[0]} holds bytes that are not valid UTF-8; it was set aside and the rest of the file "
                "read as UTF-8.")
    return (f"{len(lines):,} lines hold bytes that are not valid UTF-8 (the first is line {lines[0]}); they were set "
            "aside and the rest of the file read as UTF-8.")


def _record_texts(path: Path, scan: Scan, starts: list[int]) -> dict[int, str]:
    """The text of the records starting at `starts`, bytes that are not UTF-8 shown as U+FFFD, without the
    line end (for the rejects' raw values). A record ends where the next one starts (blank lines between
    are line ends too)."""
    import numpy as np

    assert scan.record_starts is not None
    following = np.searchsorted(scan.record_starts, np.array(starts, dtype=np.int64), side="right")
    size = path.stat().st_size
    texts: dict[int, str] = {}
    with path.open("rb") as f:
        for start, k in zip(starts, following.tolist(), strict=True):
            end = int(scan.record_starts[k]) if k < len(scan.record_starts) else size
            f.seek(start)
            texts[start] = f.read(end - start).rstrip(b"\r\n").decode("utf-8", "replace")
    return texts


def _ragged_reason(kind: str, msg: str) -> str:
    # DuckDB says "Expected Number of Columns: 3 Found: 4"; say it the way a manager reads it.
    if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS") and "Found:" in msg:
        expected = msg.split("Expected Number of Columns:")[1].split("Found:")[0].strip()
        found = msg.split("Found:")[1].strip().split()[0]
        more = "too many" if kind == "TOO MANY COLUMNS" else "too few"
        return f"{more} fields: expected {expected}, found {found}"
    return msg


def _stray_quote_message(name: str) -> str:
    return (f"{name}: a quote character (\") appears inside a value that is not itself in quotes, so the rows "
            "cannot be told apart reliably. Put such values in double quotes (doubling the quote inside), or "
            "export the file again as standard CSV.")


# --- a look at the first rows ---------------------------------------------------------------------

def peek(con: duckdb.DuckDBPyConnection, path: Path, name: str, rows: int = 5
         ) -> tuple[list[str], list[list[str | None]]]:
    """The headers (JSON: the records' keys) of the file at `path`, shown as `name`, and its first `rows`
    records exactly as written: every value as text, None where the record has no value. Read like an
    ingest reads (formats, encodings, delimiters), so what is shown is what would be validated; a CSV row
    that cannot be split into the header's columns, or whose line is not valid UTF-8, is left out here (the
    validation report names it). Nothing is left on `con` or on disk. Raises InputError, naming the file,
    when it cannot be read."""
    with scratch():
        raw = read_file(con, path, name)
        try:
            found = con.execute(f"select * from {raw.relation} limit ?", [*raw.params, max(rows, 0)]).fetchall()
        except duckdb.Error as e:
            raise InputError(f"{name}: the file could not be read ({first_line(e, raw.source, name)}).") from e
        finally:
            _drop_temp(con, raw)
    return raw.headers, [[None if v is None else str(v) for v in r[:len(raw.headers)]] for r in found]


def _drop_temp(con: duckdb.DuckDBPyConnection, raw: RawFile) -> None:
    for t in raw.temp_tables:
        con.execute(f"drop table if exists {t}")
    for f in raw.temp_files:
        f.unlink(missing_ok=True)
