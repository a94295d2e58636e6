"""The suite is hermetic: a developer's own XDG_* folders and settings neither break a test nor
receive anything from one (the tests that build search indexes run here with them set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_tests_pass_and_touch_nothing_when_the_user_has_xdg_folders_set(tmp_path):
    user = tmp_path / "user"
    folders = {
        "XDG_CACHE_HOME": user / "cache",
        "XDG_DATA_HOME": user / "data",
        "XDG_CONFIG_HOME": user / "config",
        "XDG_STATE_HOME": user / "state",
        "HOME": user / "home",
    }
    for folder in folders.values():
        folder.mkdir(parents=True)
    env = {**os.environ, **{name: str(folder) for name, folder in folders.items()}}
    env.update(PARTNERKB_DB=str(user / "nowhere.json"), PAGER="false", NO_COLOR="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_search.py", "-k", "index", "--basetemp", str(tmp_path / "run")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert [p for p in user.rglob("*") if p.is_file()] == []
