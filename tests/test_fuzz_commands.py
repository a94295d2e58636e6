"""Every command, fed odd arguments, odd input files and odd stores, ends with a documented exit
code — 0, 1, 2 or 3 — and one line of error, never a traceback.

Hypothesis draws, for each command of the command table (so a new command is covered as soon as
it is listed), any subset of its options and arguments with values from a pool of hostile text
(lone surrogates, undecodable bytes, control characters, 5,001 digits, NaN, year 9999, markup,
formulas...), input files of every kind (nested 10,000 deep, malformed CSV, binary, empty, a
directory, a missing file, a device) and stores of every kind (sound, a record damaged by hand,
newer, corrupt, a FIFO, a directory, a device, missing). Derandomized with a fixed number of
examples, so it runs the same in a few seconds every time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from partnerkb.cli.app import COMMANDS, app, command_group
from partnerkb.store import dumps, shipped_store_path

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
MEETING = {"date": "2024-01-30", "participants": ["icesco", "morocco"], "source": NEWSAZ}


def _input_files(folder: Path) -> dict[str, Path]:
    """One file of each kind a command may be given to read."""
    files = {
        "meeting.jsonl": orjson.dumps(MEETING) + b"\n",
        "deep.json": b"[" * 10_000 + b"]" * 10_000,
        "deep-object.jsonl": b'{"title": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n",
        "surrogate.jsonl": orjson.dumps({**MEETING, "title": "x"}).replace(b'"x"', b'"\\ud800"'),
        "big-number.jsonl": orjson.dumps(MEETING)[:-1] + b', "title": ' + b"9" * 5001 + b"}",
        "year-9999.jsonl": orjson.dumps({**MEETING, "date": "9999-12-31"}),
        "nan.json": b'{"date": NaN, "participants": Infinity}',
        "array-of-junk.json": b'[1, "two", null, [], {"date": {}}, {"participants": "x"}]',
        "unclosed-quote.csv": b'type,name,kind\nentity,"Jane,person\nentity,John,person\n',
        "entities.csv": b"type,name,kind,source\nentity,Jane Roe,person," + NEWSAZ.encode() + b"\n",
        "formula.csv": b"type,name,kind\nentity,=HYPERLINK(1),person\n",
        "latin1.csv": "type,name\nentity,Gen\xe8ve\n".encode("latin-1"),
        "binary.bin": bytes(range(256)) * 4,
        "empty.json": b"",
        "bom-only.csv": b"\xef\xbb\xbf",
        "store.json": shipped_store_path().read_bytes(),
        "mapping.json": b'{"columns": {"Date": "date"}, "table": "events"}',
        "mapping-junk.json": b'{"columns": 5}',
    }
    paths = {}
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        paths[name] = path
    (folder / "a-directory").mkdir()
    paths["a-directory"] = folder / "a-directory"
    paths["missing"] = folder / "missing.json"
    paths["device"] = Path(os.devnull)
    loop = folder / "loop.json"
    loop.symlink_to(loop)
    paths["symlink-loop"] = loop
    return paths


def _store(folder: Path, kind: str) -> Path:
    """A store of one kind, made again for each example (writes change them)."""
    path = folder / f"{kind}.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        return Path(os.devnull)
    elif kind != "missing":
        path.write_bytes(_STORE_BYTES[kind])
    return path


def _store_bytes() -> dict[str, bytes]:
    shipped = shipped_store_path().read_bytes()
    tables = orjson.loads(shipped)
    damaged = orjson.loads(shipped)
    first_event = sorted(damaged["events"], key=int)[0]
    damaged["events"][first_event]["date"] = "soon"
    damaged["events"][first_event]["participants"] = 5
    first_entity = sorted(damaged["entities"], key=int)[0]
    damaged["entities"][first_entity]["name"] = ["not", "text"]
    newer = {**tables, "meta": {"1": {**tables["meta"]["1"], "schema_version": 99}}}
    return {
        "sound": shipped,
        "damaged-record": dumps(damaged),
        "newer": dumps(newer),
        "corrupt": shipped[: len(shipped) // 2],
        "deep": b"[" * 10_000 + b"]" * 10_000,
    }


_STORE_BYTES = _store_bytes()


HOSTILE = [
    "", " ", "-", "--", "0", "-1", "1", "7", "nan", "inf", "1e309", "9" * 5001,
    "icesco", "Shusha", "nazim-samadov", "morocco", "ICESCO Headquarters", NEWSAZ,
    "2024-01-30-samadov-almalik-rabat", "h-000001", "1",
    "2024-01-30", "9999-12-31", "0000-01-01", "10000-01-01", "yesterday", "May 2024",
    "winter 9999", "2024-02-30", "24:00",
    "\ud800", "ab\udcffc", "a\x00b", "\x1b[31mred", "[red]x[/red]", "=HYPERLINK(1)",
    "\u200b", "!!!", "\u202eevil", "x" * 6000,
    "title=New", "date=9999-12-31", "kind=person", "aliases=\ud800", "roles.1.until=May 2025",
    "tags=", "=", "name=", "status=planned", "participants=icesco:host",
    "Nazim Samadov:guest", "icesco:", ":", "a=b=c",
    "meeting", "person", "organization", "award", "csv", "json", "jsonl", "ics", "sqlite",
    "table", "tsv", "http://example.org/a", "javascript:alert(1)",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
)


def _command_params(name: str) -> list[Any]:
    command = command_group(COMMANDS[name][0]).get_command(None, name)
    return [p for p in command.params if p.name not in ("db", "help")]


@st.composite
def invocations(draw: st.DrawFn, name: str, files: dict[str, Path]) -> list[str]:
    """The words after the command name: some of its options and arguments, hostile values."""
    file_value = st.sampled_from([str(p) for p in files.values()] + ["-"])
    words: list[str] = []
    for param in _command_params(name):
        if not draw(st.booleans()):
            continue
        takes_file = param.name in ("file", "from_json", "mapping", "output") or (
            "PATH" in (param.metavar or "") or "FILE" in (param.metavar or "")
        )
        value = st.one_of(file_value, hostile_text) if takes_file else hostile_text
        if param.param_type_name == "argument":
            count = draw(st.integers(1, 2)) if param.nargs == -1 else 1
            words.extend(draw(value) for _ in range(count))
            continue
        flag = draw(st.sampled_from(param.opts))
        if getattr(param, "is_flag", False):
            words.append(flag)
            continue
        for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
            words.extend([flag, draw(value)])
    return draw(st.permutations(words)) if draw(st.booleans()) else words


MAX_EXAMPLES = int(os.environ.get("PARTNERKB_FUZZ_EXAMPLES", "25"))
STORE_KINDS = ["sound", "sound", "sound", "damaged-record", "newer", "corrupt", "deep", "fifo",
               "directory", "device", "missing"]  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_ends_with_a_documented_exit_code_and_never_a_traceback(
    name: str, fuzz_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fuzz_folder / name
    folder.mkdir()
    files = _input_files(folder)
    runner = CliRunner()
    monkeypatch.chdir(folder)  # anything written to a relative path stays here
    monkeypatch.setenv("PARTNERKB_LOCK_TIMEOUT", "2")
    counter = iter(range(10**6))

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(words=invocations(name, files), store_kind=st.sampled_from(STORE_KINDS),
           stdin=st.sampled_from(["", "{}", b'{"date": "2024"}\n', b"\xff\xfe", "a,b\n\"c\n"]),
           db_by=st.sampled_from(["--db", "env"]))  # fmt: skip
    def run(words: list[str], store_kind: str, stdin: str | bytes, db_by: str) -> None:
        example = folder / f"example-{next(counter)}"
        example.mkdir()
        store = _store(example, store_kind)
        args = [name, *words]
        env = {"PARTNERKB_DB": str(store)}
        if db_by == "--db":
            args, env = ["--db", str(store), *args], {}
        result = runner.invoke(app, args, input=stdin, env=env, catch_exceptions=True)
        shown = f"partnerkb {' '.join(map(repr, args))} (store: {store_kind})"
        assert isinstance(result.exception, SystemExit) or result.exception is None, (
            f"{shown} raised {result.exception!r}"
        )
        assert result.exit_code in (0, 1, 2, 3), f"{shown} exited {result.exit_code}"
        assert "Traceback" not in result.stderr, f"{shown}: {result.stderr}"
        if result.exit_code in (2, 3):  # exit 1 is "nothing matched" or "problems found"
            assert result.stderr.startswith("error: "), f"{shown}: {result.stderr!r}"
        shutil.rmtree(example, ignore_errors=True)

    run()
