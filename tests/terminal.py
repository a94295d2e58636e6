"""partnerkb run as a person at a terminal would run it: any of stdin, stdout and stderr on a
pseudo-terminal (the stdlib `pty`), the others on files or pipes, and what each received."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from dataclasses import dataclass
from pathlib import Path

PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class Run:
    code: int
    terminal: str  # what the pseudo-terminal showed (escapes and all)
    stdout: bytes  # what stdout received when it was not the terminal
    stderr: bytes  # what stderr received when it was not the terminal

    @property
    def screen(self) -> str:
        """The terminal's text without its escape sequences."""
        return ANSI.sub("", self.terminal)


def run(
    args: list[str],
    *,
    on_terminal: tuple[str, ...] = ("stdin", "stdout", "stderr"),
    typed: str = "",
    env: dict[str, str] | None = None,
    columns: int = 100,
    timeout: float = 300,
) -> Run:
    """Run `partnerkb ARGS` with the streams named in `on_terminal` on one pseudo-terminal of
    `columns` columns (TERM=xterm-256color); `typed` is what the person types (it waits in the
    terminal's input). stdin not on the terminal is empty; stdout and stderr are captured."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    if typed:
        os.write(master, typed.encode())
    streams = {
        "stdin": slave if "stdin" in on_terminal else subprocess.DEVNULL,
        "stdout": slave if "stdout" in on_terminal else subprocess.PIPE,
        "stderr": slave if "stderr" in on_terminal else subprocess.PIPE,
    }
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns),
                   **(env or {})}  # fmt: skip
    process = subprocess.run([PARTNERKB, *args], env=environment, timeout=timeout,
                             **streams)  # type: ignore[call-overload]  # fmt: skip
    os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    return Run(
        code=process.returncode,
        terminal=b"".join(shown).decode("utf-8", "replace"),
        stdout=process.stdout or b"",
        stderr=process.stderr or b"",
    )
