"""The file formats Rollgate imports, known by their extension, and the files it refuses, known by their
first bytes.
"""

CSV_SUFFIXES = (".csv", ".tsv", ".txt")

# ".gz": a gzip-compressed CSV or JSON file (report.csv.gz, usage.json.gz, or export.gz, told by its text)
FORMATS = {
    **dict.fromkeys(CSV_SUFFIXES, "csv"),
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "xlsx",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
    ".gz": "gzip",
}

GZIP_MAGIC = b"\x1f\x8b"

# Files that are not text, known by their first bytes (magic numbers): what the file is, and what to do
# instead ({fmt} is CSV or JSON, what the upload was named as). A zip archive is looked into further (an
# .xlsx or .docx is a zip archive too), bzip2 is told by its block header as well (loaders.read).
NOT_TEXT: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a zip archive", "unzip it and upload the {fmt} inside"),
    (b"PK\x05\x06", "an empty zip archive", "upload the {fmt} export itself"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and upload the {fmt} inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and upload the {fmt} inside"),
    (b"\xfd7zXZ\x00", "compressed with xz", "decompress it and upload the {fmt}, or compress it with gzip (.gz)"),
    (b"\x28\xb5\x2f\xfd", "compressed with zstd", "decompress it and upload the {fmt}, or compress it with gzip (.gz)"),
    (b"%PDF-", "a PDF document", "export the data as {fmt} and upload that"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Excel workbook (.xls)",
     "open it in Excel, save it as CSV UTF-8 or .xlsx, and upload that"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "upload the {fmt} export itself"),
    (b"\xff\xd8\xff", "a JPEG image", "upload the {fmt} export itself"),
    (b"PAR1", "a Parquet file", "give it the right extension"),
)
BZIP2 = ("compressed with bzip2", "decompress it and upload the {fmt}, or compress it with gzip (.gz)")

# What a zip archive holds, by a file every such document has: what it is, and what to do.
ZIP_DOCUMENTS: tuple[tuple[str, str, str], ...] = (
    ("xl/workbook.xml", "an Excel workbook (.xlsx)", "give it the extension .xlsx, or save it as CSV UTF-8, and "
                                                     "upload it again"),
    ("word/document.xml", "a Word document (.docx)", "export the data as {fmt} and upload that"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)", "export the data as {fmt} and upload that"),
)
