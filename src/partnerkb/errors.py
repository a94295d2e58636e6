"""Project errors: each carries the exit code the CLI ends with and an optional hint."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every partnerkb command (documented in the README)."""

    OK = 0
    NO_MATCH = 1  # a search or filter matched nothing
    USAGE = 2  # bad usage or invalid input
    STORE = 3  # store missing, corrupt, locked too long, newer version, not writable
    DECLINED = 4  # a confirmation was answered no: nothing was changed
    INTERNAL = 70  # a bug in partnerkb (EX_SOFTWARE): reported as "internal error"
    OUTPUT = 74  # the output could not be written: disk full, I/O error (EX_IOERR)
    INTERRUPTED = 130  # Ctrl-C, or end of input at a prompt


class PartnerkbError(Exception):
    """Base of every error the CLI turns into one line on stderr."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInput(PartnerkbError):
    """The user gave something we cannot accept (a date, a kind, a field...)."""

    exit_code = ExitCode.USAGE


class NotFound(PartnerkbError):
    """An id or name that matches no record."""

    exit_code = ExitCode.USAGE


class Ambiguous(PartnerkbError):
    """A name that matches several records; `candidates` lists their ids."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, candidates: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.candidates = candidates


class NoMatch(PartnerkbError):
    """A search or filter that matched nothing."""

    exit_code = ExitCode.NO_MATCH


class StoreError(PartnerkbError):
    """The store is missing, corrupt, of a newer version, locked or not writable."""

    exit_code = ExitCode.STORE


class Declined(PartnerkbError):
    """The person at the terminal answered no to a confirmation: nothing was changed."""

    exit_code = ExitCode.DECLINED


class OutputError(PartnerkbError):
    """Standard output could not be written (a full disk, /dev/full, an I/O error)."""

    exit_code = ExitCode.OUTPUT
