"""Benchmark of shell completion: how long TAB takes, as bash runs it.

Each case is one whole process, exactly as bash's completion function starts it
(`_PARTNERKB_COMPLETE=complete_bash`, COMP_WORDS, COMP_CWORD), interleaved with the framework
floor (`floor_typer.py rows`, a two-command Typer app printing 20 rows: what any Typer app costs
to start) and, for reference, with `show icesco --format json` (a read command on the same
store). The figure is the median of --runs runs; the ratio is against the floor of the same run.
The issue's bound: under 300 ms on the shipped store.

    python bench/bench_completion.py                 # shipped store, 15 runs
    python bench/bench_completion.py --corpus        # and the 7,535-event corpus (imported once)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import PYTHON, clean_env, partnerkb_command, run_once  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus" / "us-official-travels.csv"
CASES = [
    # (what the user typed, the word under the cursor's index)
    ("partnerkb show Sam", 2),
    ("partnerkb timeline --entity Şuş", 3),
    ("partnerkb show ", 2),
    ("partnerkb timeline --kind ", 3),
    ("partnerkb timeline --format ", 3),
]


def completion_env(base: dict[str, str], words: str, cword: int) -> dict[str, str]:
    return {**base, "_PARTNERKB_COMPLETE": "complete_bash", "COMP_WORDS": words,
            "COMP_CWORD": str(cword)}  # fmt: skip


def measure(argv: list[str], env: dict[str, str], floor: list[str], base: dict[str, str],
            runs: int) -> tuple[float, float, int]:  # fmt: skip
    """(median seconds, median floor seconds, candidates offered)."""
    offered = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    mine, floors = [], []
    for _ in range(runs):
        mine.append(run_once(argv, env, subprocess.DEVNULL)[0])
        floors.append(run_once(floor, base, subprocess.DEVNULL)[0])
    return statistics.median(mine), statistics.median(floors), len(offered.split("\n")) - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--corpus", action="store_true", help="also on the imported corpus")
    args = parser.parse_args()
    partnerkb = partnerkb_command()
    floor = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        base = clean_env(home)
        stores: list[tuple[str, list[str]]] = [("shipped", [])]
        if args.corpus:
            path = home / "corpus.json"
            subprocess.run([*partnerkb, "--db", str(path), "init"], env=base, check=True,
                           capture_output=True)  # fmt: skip
            subprocess.run([*partnerkb, "--db", str(path), "import", str(CORPUS), "--mapping",
                            "us-official-travels"], env=base, check=True,
                           capture_output=True)  # fmt: skip
            stores.append(("corpus (7,535 events)", ["--db", str(path)]))
        print("| store | typed | candidates | completion (median) | floor (median) | ratio |")
        print("|---|---|---:|---:|---:|---:|")
        for label, db in stores:
            for words, cword in CASES:
                head, rest = words.split(" ", 1)
                line = " ".join([head, *db, rest])
                env = completion_env(base, line, cword + len(db))
                mine, floor_s, offered = measure(partnerkb, env, floor, base, args.runs)
                print(f"| {label} | `{words}⇥` | {offered} | {mine * 1000:.0f} ms | "
                      f"{floor_s * 1000:.0f} ms | {mine / floor_s:.2f}× |", flush=True)  # fmt: skip
            show = [*partnerkb, *db, "show", "icesco" if not db else "george-pratt-shultz",
                    "--format", "json"]  # fmt: skip
            mine, floor_s, _ = measure(show, base, floor, base, args.runs)
            print(f"| {label} | (`show … --format json`, for reference) | | {mine * 1000:.0f} ms "
                  f"| {floor_s * 1000:.0f} ms | {mine / floor_s:.2f}× |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
