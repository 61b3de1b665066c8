"""The project's exceptions and the exit codes the CLI maps them to.

Every error a user can cause is a :class:`WpmigrateError` carrying one clear
line and an exit code; the CLI prints ``Error: <line>`` and exits with it.
Anything else reaching the CLI is a bug (exit :data:`EXIT_INTERNAL`).
"""

from __future__ import annotations

#: Success.
EXIT_OK = 0
#: ``verify`` found a gap, or a check over the output failed.
EXIT_FINDINGS = 1
#: Bad command line (click's own code for usage errors).
EXIT_USAGE = 2
#: An input could not be opened or read: missing file, permission, corrupt archive.
EXIT_INPUT = 3
#: An input was read but is not a usable export: not XML, not WXR, malformed, truncated.
EXIT_DATA = 4
#: An output could not be written: exists without ``--force``, permission, disk full.
EXIT_OUTPUT = 5
#: An internal invariant failed (a bug: please report it).
EXIT_INTERNAL = 70
#: Interrupted with Ctrl-C (SIGINT): 128 + 2, as a shell reports it.
EXIT_INTERRUPTED = 130
#: Stopped by SIGTERM: 128 + 15.
EXIT_TERMINATED = 143


class Interrupted(KeyboardInterrupt):
    """SIGINT, raised where the program is (see
    :func:`wpmigrate.write.publish.install_signal_handlers`).

    A subclass, never KeyboardInterrupt itself: CPython remembers a
    KeyboardInterrupt of exactly that type leaving code run by ``exec`` or
    ``eval`` of a string (dataclasses and namedtuple make their methods so, at
    import) as uncaught, even when the program catches it further up, and then
    ``python -m wpmigrate`` ends by killing itself with SIGINT (status -2)
    instead of exiting 130 after its message. The check is on the exact type,
    so a subclass is left to the program, as Terminated always was.
    """


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is.

    See :func:`wpmigrate.write.publish.install_signal_handlers`.

    A KeyboardInterrupt, so that whatever cleans up after Ctrl-C (staging,
    worker pools) cleans up after SIGTERM too.
    """


class WpmigrateError(Exception):
    """Base class: a message for the user and the exit code that goes with it."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(WpmigrateError):
    """An input could not be opened or read."""

    exit_code = EXIT_INPUT


class DataError(WpmigrateError):
    """An input is not a usable export; ``where`` is ``FILE:LINE:COL`` when known."""

    exit_code = EXIT_DATA

    def __init__(self, message: str, source: str = "", line: int = 0, column: int = 0) -> None:
        self.source = source
        self.line = line
        self.column = column
        where = source
        if source and line:
            where = f"{source}:{line}:{column}" if column else f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class OutputError(WpmigrateError):
    """An output could not be written."""

    exit_code = EXIT_OUTPUT


class IntegrityError(WpmigrateError):
    """The drop ledger does not add up: a comment was lost or counted twice (a bug)."""

    exit_code = EXIT_INTERNAL


class FindingsError(WpmigrateError):
    """An audit found problems (``verify``)."""

    exit_code = EXIT_FINDINGS
