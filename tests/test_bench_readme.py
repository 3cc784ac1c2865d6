"""Benchmark figures written between their markers in a README, and nothing else of it touched."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from bench import app_bench, metrics_bench, run
from bench.readme import write_between

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
README = Path(__file__).resolve().parent.parent / "bench" / "README.md"


def test_the_figures_replace_exactly_what_lies_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nBy hand.\n\n<!-- results:begin -->\nold figures\n\nmore old\n"
                      "<!-- results:end -->\n\nAfter, by hand.\n", encoding="utf-8")
    write_between(readme, BEGIN, END, ["| a | b |", "", "Target: none."])
    assert readme.read_text(encoding="utf-8") == (
        "# Benchmarks\n\nBy hand.\n\n<!-- results:begin -->\n| a | b |\n\nTarget: none.\n"
        "<!-- results:end -->\n\nAfter, by hand.\n")


def test_an_empty_block_is_filled_and_a_second_write_replaces_the_first(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("x <!-- results:begin --><!-- results:end --> y", encoding="utf-8")
    write_between(readme, BEGIN, END, ["first"])
    assert readme.read_text(encoding="utf-8") == "x <!-- results:begin -->\nfirst\n<!-- results:end --> y"
    write_between(readme, BEGIN, END, ["second", "third"])
    assert readme.read_text(encoding="utf-8") == "x <!-- results:begin -->\nsecond\nthird\n<!-- results:end --> y"


def test_other_benchmarks_blocks_are_left_as_they_are(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("<!-- app-results:begin -->\napp\n<!-- app-results:end -->\n"
                      "<!-- results:begin -->\nold\n<!-- results:end -->\n", encoding="utf-8")
    write_between(readme, BEGIN, END, ["new"])
    assert readme.read_text(encoding="utf-8") == ("<!-- app-results:begin -->\napp\n<!-- app-results:end -->\n"
                                                   "<!-- results:begin -->\nnew\n<!-- results:end -->\n")


@pytest.mark.parametrize("script", [run, app_bench, metrics_bench], ids=["run", "app_bench", "metrics_bench"])
def test_each_benchmark_writes_only_its_own_block_of_the_committed_readme(tmp_path: Path, script: ModuleType) -> None:
    begin, end = script.BEGIN, script.END
    text = README.read_text(encoding="utf-8")
    before, after = text[:text.index(begin) + len(begin)], text[text.index(end):]
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    write_between(readme, begin, end, ["Measured today.", "", "| x |"])
    assert readme.read_text(encoding="utf-8") == before + "\nMeasured today.\n\n| x |\n" + after


@pytest.mark.parametrize(("text", "message"), [
    ("# Benchmarks\n\nno figures yet\n",
     "README.md has no <!-- results:begin --> marker: add the pair <!-- results:begin --> <!-- results:end --> "
     "where the figures belong"),
    ("<!-- results:end -->\n<!-- results:begin -->\nold\n",
     "README.md has no <!-- results:end --> marker after <!-- results:begin -->: add it where the figures end"),
])
def test_without_its_markers_and_no_section_to_add_the_readme_is_refused_unchanged(
        tmp_path: Path, text: str, message: str) -> None:
    # run.py and metrics_bench.py give no section: their block must be in the README already
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        write_between(readme, BEGIN, END, ["new"])
    assert str(raised.value) == message
    assert readme.read_text(encoding="utf-8") == text


def test_the_app_benchmark_appends_its_section_where_the_readme_lacks_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nBy hand.\n\n\n", encoding="utf-8")
    begin, end = app_bench.BEGIN, app_bench.END
    section = app_bench.SECTION.format(begin=begin, end=end)
    write_between(readme, begin, end, ["| page |"], section=section)
    intro = section[:section.index(begin)]
    assert intro.startswith("\n## App\n\n`python bench/app_bench.py --write-readme` times")
    assert readme.read_text(encoding="utf-8") == (
        "# Benchmarks\n\nBy hand.\n" + intro + "<!-- app-results:begin -->\n| page |\n<!-- app-results:end -->\n")
    # once there, the section is not appended again: the next figures replace the first
    write_between(readme, begin, end, ["| page 2 |"], section=section)
    assert readme.read_text(encoding="utf-8") == (
        "# Benchmarks\n\nBy hand.\n" + intro + "<!-- app-results:begin -->\n| page 2 |\n<!-- app-results:end -->\n")
