"""Every write's --dry-run says what it *would* do: no line of its report is worded as done
("merged ...", "dropped ...", "created ..."), and the store is byte for byte as it was."""

from __future__ import annotations

import re

import pytest

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
DONE = re.compile(
    r"^(added|attached|changed|created|dropped|merged|removed|undone|updated|written)\b"
    r"|\bmerged into\b"
)

WRITES = {
    "add-meeting": ["add-meeting", "--date", "2024-01-30", "--place", "Rabat", "--participant",
                    "Newguy", "--participant", "icesco", "--source", NEWSAZ, "--create-missing",
                    "--kind", "Newguy=person"],
    "add-meeting-attach": ["add-meeting", "--date", "2024-01-30", "--participant",
                           "nazim-samadov", "--participant", "salim-almalik", "--source",
                           "icesco-2022-11-21-shusha-medal", "--attach-to",
                           "2024-01-30-samadov-almalik-rabat"],
    "add-event": ["add-event", "--kind", "award", "--date", "2022-11-20", "--participant",
                  "icesco", "--title", "A prize", "--source", NEWSAZ],
    "add-entity": ["add-entity", "Foo Institute", "--kind", "organization", "--source", NEWSAZ],
    "add-role": ["add-role", "nazim-samadov", "--title", "Ambassador of Azerbaijan to Morocco",
                 "--source", NEWSAZ],
    "add-source": ["add-source", "--outlet", "Gazette", "--title", "A report", "--date",
                   "2024-01-01"],
    "edit": ["edit", "icesco", "--set", "description=An organization."],
    "remove": ["remove", "2024-11-cop29-baku", "--cascade"],
    "merge": ["merge", "baku", "shusha"],
}  # fmt: skip


@pytest.mark.parametrize("name", list(WRITES))
def test_a_dry_run_says_what_it_would_do_never_that_it_did(cli, shipped_copy, name):
    before = shipped_copy.read_bytes()
    result = cli("--db", str(shipped_copy), *WRITES[name], "--dry-run")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if DONE.search(line)] == []
    assert any(line.startswith("would ") for line in lines), result.stderr
    assert lines[0].startswith("dry run: ") and lines[0].endswith("nothing was written")
    assert shipped_copy.read_bytes() == before


def test_a_dry_run_of_merge_and_remove_names_what_would_go(cli, shipped_copy):
    merge = cli("--db", str(shipped_copy), "merge", "baku", "shusha", "--dry-run")
    assert "would merge baku into shusha" in merge.stderr.splitlines()
    remove = cli("--db", str(shipped_copy), "remove", "2024-11-cop29-baku", "--cascade",
                 "--dry-run")  # fmt: skip
    lines = remove.stderr.splitlines()
    assert "would remove event 2024-11-cop29-baku" in lines
    assert "would drop the references of 3 records" in lines


def test_a_dry_run_of_undo_says_would(cli, shipped_copy):
    added = cli("--db", str(shipped_copy), *WRITES["add-entity"])
    assert added.exit_code == 0, added.stderr
    before = shipped_copy.read_bytes()
    result = cli("--db", str(shipped_copy), "undo", "--dry-run")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "  would remove entity foo-institute" in lines
    assert not any(line.strip().startswith("will ") for line in lines)
    assert lines[-1].startswith("would undo history h-")
    assert shipped_copy.read_bytes() == before
