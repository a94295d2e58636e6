"""partnerkb run as a person at a terminal would run it: any of stdin, stdout and stderr on a
pseudo-terminal (the stdlib `pty`), the others on files or pipes, and what each received
(`run`); or a conversation, answering each question once it shows (`Terminal`)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
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


class Terminal:
    """partnerkb on a pseudo-terminal: `expect` what it shows, `send` what a person types."""

    def __init__(self, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: partnerkb on the terminal
            os.execv(PARTNERKB, [PARTNERKB, *args])
        self.screen = b""
        self.seen = 0  # what was expected already: each text is looked for after it

    def expect(self, text: str, timeout: float = 120.0) -> None:
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.screen[self.seen:] and time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    break
        assert wanted in self.screen[self.seen:], f"no {text!r} in:\n{self.shown()}"
        self.seen = self.screen.index(wanted, self.seen) + len(wanted)

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def answer(self, question: str, keys: str) -> None:
        self.expect(question)
        self.send(keys + "\r")

    def finish(self) -> int:
        """The exit code, once the command ends (everything it showed is read)."""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.screen += chunk
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def shown(self) -> str:
        return self.screen.decode("utf-8", "replace")
