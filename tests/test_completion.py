"""TAB completion through the shells' own protocol (`_PARTNERKB_COMPLETE=complete_bash` with
COMP_WORDS and COMP_CWORD, as click documents; zsh and fish as Typer's scripts call them): entity
names and ids, event ids, kinds, formats, tags, sources, parts, read from the store the command
would use; names with spaces as bash must receive them; a real bash on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer._click.shell_completion import split_arg_string
from typer.testing import CliRunner

from partnerkb.cli.app import app
from partnerkb.cli.shells import bash_word, open_quote
from partnerkb.store import Store, StoreData

PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))


def complete(line: str, *, env: dict[str, str] | None = None) -> list[str]:
    """What bash receives for `line` with the cursor at its end (a trailing space: a new
    word), through the protocol Typer's bash script uses, in-process."""
    # the index of the word under the cursor, as bash counts words (quotes keep one together)
    cword = len(split_arg_string(line)) - (0 if line.endswith(" ") else 1)
    result = CliRunner().invoke(
        app,
        [],
        prog_name="partnerkb",
        env={"_PARTNERKB_COMPLETE": "complete_bash", "COMP_WORDS": line,
             "COMP_CWORD": str(cword), "PARTNERKB_DEBUG": "", **(env or {})},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return [w for w in result.stdout.split("\n") if w]


def test_show_sam_completes_to_the_name_escaped_for_bash():
    assert complete("partnerkb show Sam") == ["Nazim\\ Samadov"]


def test_a_name_typed_inside_quotes_completes_without_escapes():
    assert complete('partnerkb show "Nazim Sa') == ["Nazim Samadov"]
    assert complete("partnerkb show 'Nazim Sa") == ["Nazim Samadov"]


def test_a_name_typed_with_escaped_spaces_completes():
    assert complete("partnerkb timeline --entity Nazim\\ Sa") == ["Nazim\\ Samadov"]


def test_namesakes_are_offered_by_their_ids():
    assert complete("partnerkb show anar") == ["anar-karimov-icesco", "anar-karimov-minister"]
    assert complete("partnerkb show Anar") == ["anar-karimov-icesco", "anar-karimov-minister"]


def test_ids_complete_from_their_start_and_names_from_any_spelling():
    assert complete("partnerkb show nazim-") == ["nazim-samadov"]
    assert complete("partnerkb partners Şuş") == ["Shusha", "Shusha\\ Medal"]
    assert "AlMalik" in complete("partnerkb timeline --entity al")


def test_event_ids_complete_where_a_record_or_an_event_is_expected():
    assert "2024-01-30-samadov-almalik-rabat" in complete("partnerkb show 2024-01")
    assert "2024-01-30-samadov-almalik-rabat" in complete("partnerkb edit 2024-01")
    attach = complete("partnerkb add-meeting --attach-to 2024-01-3")
    assert attach == ["2024-01-30-samadov-almalik-rabat"]


def test_every_command_naming_entities_completes_them():
    for line in ("partnerkb remove Nazim", "partnerkb merge Nazim", "partnerkb merge x Nazim",
                 "partnerkb add-meeting --participant Nazim", "partnerkb upcoming --entity Nazim",
                 "partnerkb roles --person Nazim", "partnerkb export --entity Nazim",
                 "partnerkb add-role Nazim"):  # fmt: skip
        assert complete(line) == ["Nazim\\ Samadov"], line
    assert complete("partnerkb add-meeting --place Rab") == ["Rabat"]
    assert complete("partnerkb roles --of ICES")[0].startswith("ICESCO")


def test_kinds_are_those_of_the_table_the_option_filters():
    assert complete("partnerkb timeline --kind mee") == ["meeting"]
    assert complete("partnerkb list entities --kind pe") == ["person"]
    assert "person" not in complete("partnerkb list events --kind p")
    assert complete("partnerkb add-entity X --kind coun") == ["country"]
    assert complete("partnerkb add-event --kind visi") == ["visit"]


def test_formats_of_each_command():
    assert complete("partnerkb timeline --format js") == ["json", "jsonl"]
    assert complete("partnerkb export --format g") == ["gexf", "graphml"]
    assert complete("partnerkb import x --format t") == ["tsv"]
    assert complete("partnerkb timeline --format = js") == ["json", "jsonl"]  # --format=js


def test_tags_sources_parts_statuses_and_checks():
    assert complete("partnerkb timeline --tag cop") == ["cop29"]
    assert complete("partnerkb timeline --source newsaz") == ["newsaz-2024-01-31-samadov-almalik"]
    assert complete("partnerkb add-meeting --source sel") == ["self"]
    # bash breaks NAME:PART at the colon: the part is what it completes
    assert complete("partnerkb add-meeting --participant Nazim : hos") == ["host"]
    assert complete("partnerkb add-event --status pl") == ["planned"]
    assert complete("partnerkb check nam") == ["namesakes"]
    assert complete("partnerkb stats --by ye") == ["year"]


@pytest.fixture
def own_store(tmp_path: Path) -> Path:
    """A store holding one entity, Zebulon Quartz, that the shipped data does not have."""
    path = tmp_path / "own.json"
    data = StoreData.empty("own")
    Store(path).create(data)
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(path), "add-entity", "Zebulon Quartz", "--kind",
                                 "person", "--source", "self"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return path


def test_completion_reads_the_store_the_command_would_use(own_store):
    assert complete("partnerkb show Zeb") == []  # the shipped store
    assert complete(f"partnerkb --db {own_store} show Zeb") == ["Zebulon\\ Quartz"]
    assert complete(f"partnerkb show --db {own_store} Zeb") == ["Zebulon\\ Quartz"]
    assert complete("partnerkb show Zeb", env={"PARTNERKB_DB": str(own_store)}) == [
        "Zebulon\\ Quartz"
    ]
    assert complete(f"partnerkb --db {own_store} undo h-") == ["h-000001"]
    assert complete(f"partnerkb --db {own_store} add-meeting --source s") == ["self"]


def test_a_broken_store_offers_nothing_and_prints_nothing(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"_meta": {', encoding="utf-8")
    assert complete(f"partnerkb --db {broken} show Sam") == []
    missing = tmp_path / "missing.json"
    assert complete(f"partnerkb --db {missing} show Sam") == []


def test_a_mistyped_command_or_a_path_offers_nothing():
    assert complete("partnerkb shwo Sam") == []
    assert complete("partnerkb --db ./kb") == []  # bash falls back to its file names


def test_commands_and_options_still_complete():
    assert complete("partnerkb tim") == ["timeline"]
    assert "--entity" in complete("partnerkb timeline --e")


# ---------------------------------------------------------------------------------------------
# The protocol of each shell, as its script calls partnerkb
# ---------------------------------------------------------------------------------------------


def shell_protocol(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PARTNERKB], env={**os.environ, "PARTNERKB_DEBUG": "", **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_bash_protocol_in_a_process_of_its_own(tmp_path):
    result = shell_protocol({"_PARTNERKB_COMPLETE": "complete_bash",
                             "COMP_WORDS": "partnerkb show Sam", "COMP_CWORD": "2"})  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "Nazim\\ Samadov\n", "")
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\x00not a store")
    result = shell_protocol({"_PARTNERKB_COMPLETE": "complete_bash", "COMP_CWORD": "4",
                             "COMP_WORDS": f"partnerkb --db {broken} show Sam"})  # fmt: skip
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


def test_zsh_protocol_gives_the_name_whole_with_its_description():
    result = shell_protocol({"_PARTNERKB_COMPLETE": "complete_zsh",
                             "_TYPER_COMPLETE_ARGS": "partnerkb show Sam"})  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("_arguments '*: :((")
    assert '"Nazim Samadov":"person' in result.stdout


def test_fish_protocol_gives_the_name_whole():
    result = shell_protocol({"_PARTNERKB_COMPLETE": "complete_fish",
                             "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                             "_TYPER_COMPLETE_ARGS": "partnerkb show Sam"})  # fmt: skip
    assert result.returncode == 0
    assert result.stdout.split("\t")[0] == "Nazim Samadov"


# ---------------------------------------------------------------------------------------------
# bash's quoting
# ---------------------------------------------------------------------------------------------


def test_bash_words_escape_what_bash_would_read_otherwise():
    assert bash_word("Nazim Samadov", None) == "Nazim\\ Samadov"
    assert bash_word("O'Brien & Sons (Ltd)", None) == "O\\'Brien\\ \\&\\ Sons\\ \\(Ltd\\)"
    assert bash_word("Şuşa", None) == "Şuşa"
    assert bash_word('say "hi" $HOME', '"') == 'say \\"hi\\" \\$HOME'
    assert bash_word("O'Brien", "'") == "O'\\''Brien"


def test_open_quote_tells_whether_the_word_is_inside_quotes():
    assert open_quote('partnerkb show "Nazim Sa') == '"'
    assert open_quote("partnerkb show 'Nazim Sa") == "'"
    assert open_quote('partnerkb show "Nazim" Sa') is None
    assert open_quote("partnerkb show Nazim\\ Sa") is None
    assert open_quote("partnerkb show it\\'s") is None


# ---------------------------------------------------------------------------------------------
# A real bash
# ---------------------------------------------------------------------------------------------


def bash_session(typed: list[str], home: Path) -> str:
    """An interactive bash on a pseudo-terminal with partnerkb's completion loaded (as
    --install-completion writes it): each string typed in turn, what the terminal showed."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "PS1": "$ ", "INPUTRC": "/dev/null", "HOME": str(home),
           "PATH": f"{Path(PARTNERKB).parent}{os.pathsep}{os.environ['PATH']}",
           "PARTNERKB_DEBUG": ""}  # fmt: skip
    shell = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], stdin=slave, stdout=slave,
                             stderr=slave, env=env, start_new_session=True)  # fmt: skip
    os.close(slave)
    shown = b""

    def read_until(pattern: bytes, deadline: float) -> None:
        nonlocal shown
        while time.monotonic() < deadline and not re.search(pattern, shown):
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    shown += os.read(master, 65536)
                except OSError:
                    return

    try:
        read_until(rb"\$ $", time.monotonic() + 60)
        for n, text in enumerate(typed, 1):
            os.write(master, text.encode())
            # each line ends by printing its marker, then a new prompt
            read_until(rb"END%d\r?\n(.|\n)*\$ $" % n, time.monotonic() + 120)
    finally:
        shell.kill()
        shell.wait()
        os.close(master)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash on PATH")
def test_a_real_bash_completes_names_with_spaces_into_one_argument(tmp_path):
    script = subprocess.run([PARTNERKB], env={**os.environ, "_PARTNERKB_COMPLETE": "source_bash"},
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    (tmp_path / "completion.sh").write_text(script, encoding="utf-8")
    # each line ends by echoing END and its number, written $((n)) so that only the output,
    # not the line typed, holds "END<n>"
    shown = bash_session([
        f"source {tmp_path / 'completion.sh'}; echo END$((1))\n",
        # TAB completes the name; the command then runs with what bash made of it
        "partnerkb show Sam\t--format json | grep -c '\"id\": \"nazim-samadov\"'; "
        "echo END$((2))\n",
        'partnerkb show "Nazim Sa\t--format json | grep -c \'"id": "nazim-samadov"\'; '
        "echo END$((3))\n",
        "partnerkb show Şuş\t --format json > /dev/null; echo END$((4))\n",
    ], tmp_path)  # fmt: skip
    assert re.search(r"\n\r?1\r?\n\r?END2", shown), shown  # one profile: nazim-samadov's
    assert re.search(r"\n\r?1\r?\n\r?END3", shown), shown
    assert "Shusha" in shown.split("END3", 1)[1], shown  # "Şuş" became the name's spelling


def test_commands_convert_their_values_again_after_completing_in_the_same_process(cli):
    """Completion keeps the values on the line as typed; a command run afterwards in the same
    process converts them as ever (--limit is a number, a bad one an error)."""
    assert complete("partnerkb timeline --limit 2 --kind mee") == ["meeting"]
    result = cli("timeline", "--limit", "2", "--format", "json")
    assert result.exit_code == 0 and len(__import__("json").loads(result.stdout)) == 2
    assert cli("timeline", "--limit", "two").exit_code == 2
