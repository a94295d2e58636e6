"""The process's standard streams as partnerkb writes them: a failure to write the output is one
project error (`OutputError`, exit code 74), never a traceback, and text that the output's
encoding cannot hold (`PYTHONIOENCODING=cp1252`, a Latin-1 terminal) is written escaped
(`\\u015e`), never a crash. A progress bar on stderr is taken off the screen before the data is
written."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import OutputError
from .progress_bar import DRAWN, pause_bars


def _failed(exc: OSError) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"cannot write the output: {reason}",
                       hint="check the disk or the file the output goes to")  # fmt: skip


class _Guarded:
    """A stream whose write and flush failures (other than a reader gone away, which ends the
    command quietly) become `OutputError`; everything else is the stream's own."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> Any:
        if DRAWN:  # the data never runs into a progress bar on the same terminal
            pause_bars()
        try:
            return self._stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _failed(exc) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _failed(exc) from None

    @property
    def buffer(self) -> Any:
        return _Guarded(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> Any:
    """Put a guarded stdout in place (escaping what its encoding cannot hold); returns the
    original, to put back with `restore_stdout`."""
    original = sys.stdout
    if isinstance(original, _Guarded):
        return original
    encoding = (getattr(original, "encoding", None) or "utf-8").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8"):
        reconfigure = getattr(original, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    sys.stdout = _Guarded(original)
    return original


def restore_stdout(original: Any) -> None:
    sys.stdout = original


def flush_stdout() -> None:
    """Flush now, inside the command's error handling: a full disk is reported, not lost at exit."""
    sys.stdout.flush()
