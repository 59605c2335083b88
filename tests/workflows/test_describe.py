"""docs/rules.md says what the state machines do, and the repository stands alone.

The rules' tables are written from workflows/ (workflows/describe.py, `make docs`); these
tests fail when the document and the code disagree, when code cites a section the document
lacks, or when anything points outside the repository.
"""
import re
import subprocess
from pathlib import Path

import pytest

from workflows import describe, lifecycle

REPOSITORY = Path(__file__).resolve().parents[2]
RULES = REPOSITORY / "docs" / "rules.md"


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout
    return [REPOSITORY / name for name in names.splitlines()
            if Path(name).suffix in {".py", ".md", ".html", ".txt", ".toml", ".cfg", ".ini", ".js", ".css", ""}
            and (REPOSITORY / name).is_file()]


def test_the_generated_tables_and_diagrams_match_the_code():
    document = RULES.read_text(encoding="utf-8")
    assert set(describe.block_names(document)) == set(describe.BLOCKS)
    assert describe.refreshed(document) == document, "docs/rules.md is out of date: run `make docs`"


def test_a_changed_rule_changes_the_document(monkeypatch):
    document = RULES.read_text(encoding="utf-8")
    monkeypatch.setitem(lifecycle.PERMISSIONS, "cancel", lifecycle.Permission("the PMO", roles=lifecycle.PMO_ROLES))
    assert describe.refreshed(document) != document
    assert "| Cancelled | the PMO |" in describe.lifecycle_table()


def test_every_guard_is_described():
    assert set(lifecycle.GUARD_TEXT) == set(lifecycle.GUARDS)


def test_every_move_is_in_the_table_and_the_diagram():
    table, diagram = describe.lifecycle_table(), describe.lifecycle_diagram()
    for transition in lifecycle.TRANSITIONS:
        sources = [transition["source"]] if isinstance(transition["source"], str) else transition["source"]
        for source in sources:
            assert f"{source} --> {transition['dest']}: {transition['trigger']}" in diagram
        assert f"(`{transition['trigger']}`)" in table


def test_every_cited_section_exists():
    sections = {int(number) for number in re.findall(r"^## (\d+)\.", RULES.read_text(encoding="utf-8"), re.M)}
    cited = {}
    for path in tracked_text_files():
        for match in re.finditer(r"docs/rules\.md,? (?:section |sections )?(\d+)(?:-(\d+))?", path.read_text(
                encoding="utf-8", errors="replace")):
            first, last = int(match.group(1)), int(match.group(2) or match.group(1))
            for number in range(first, last + 1):
                cited.setdefault(number, path.relative_to(REPOSITORY))
    assert cited, "nothing cites the rules: the pattern above is wrong"
    missing = {number: str(path) for number, path in cited.items() if number not in sections}
    assert missing == {}


# Spelled in pieces, so that this file does not name what it looks for.
@pytest.mark.parametrize("outside", ["../" "shared", "DOMAIN" ".md", "PRODUCT" ".md", "STYLE" ".md", "shared" "/brief"])
def test_nothing_points_outside_the_repository(outside):
    found = [str(path.relative_to(REPOSITORY)) for path in tracked_text_files()
             if outside in path.read_text(encoding="utf-8", errors="replace")]
    assert found == []
