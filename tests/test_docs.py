"""The user docs are generated from the declarations: they must match the code exactly."""

from __future__ import annotations

from loaders import docs


def test_docs_datasets_md_is_current() -> None:
    assert docs.DATASETS_DOC.read_text(encoding="utf-8") == docs.datasets_doc(), "run `make docs`"


def test_readme_dataset_table_is_current() -> None:
    text = docs.README.read_text(encoding="utf-8")
    assert docs.render_readme(text) == text, "run `make docs`"


def test_readme_starts_with_the_two_commands() -> None:
    text = docs.README.read_text(encoding="utf-8")
    assert text.index("make run") < text.index("make test") < text.index("## Loading exports")
