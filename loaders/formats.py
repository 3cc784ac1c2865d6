"""The file formats Rollgate imports, known by their extension.

Only plain data here: the command line reads it before anything heavy is loaded (loaders.prefetch).
"""

CSV_SUFFIXES = (".csv", ".tsv", ".txt")

FORMATS = {
    **dict.fromkeys(CSV_SUFFIXES, "csv"),
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "xlsx",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
}
