"""The ``wpmigrate`` command line: each command opens streams, calls the pipeline, maps errors.

Exit codes (also in the README): 0 success, 1 findings (``verify``), 2 usage,
3 unreadable input, 4 input that is not a usable export (the records read
before a fault are still written), 5 output not writable, 70 internal error,
130 interrupted.
"""

from __future__ import annotations

import codecs
import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from . import __version__
from .errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    DataError,
    WpmigrateError,
)
from .outputs import output_stream
from .pipeline import ReadSession, comment_records, post_records
from .render.jsonl import JsonWriter

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(command: F) -> F:
    """Turn every error into one line on stderr and its exit code; ``--debug`` re-raises."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.get("debug", False)
        try:
            return command(*args, **kwargs)
        except WpmigrateError as exc:
            if debug:
                raise
            _fail(exc.message, exc.exit_code)
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, and keep Python from
            # complaining while flushing stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if debug:
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "rerun with --debug for details and please report it",
                EXIT_INTERNAL,
            )
        return None

    return wrapper  # type: ignore[return-value]


def _check_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}") from None


def input_options(command: F) -> F:
    """``EXPORT...`` plus the options every reading command shares."""
    decorators = [
        click.argument("exports", nargs=-1, metavar="[EXPORT]..."),
        click.option(
            "--encoding",
            callback=_check_encoding,
            help="Read the exports in this encoding, whatever they declare "
            "(e.g. cp1252 for a Latin-1 export that claims UTF-8).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No summary or progress on stderr."),
        click.option("--debug", is_flag=True, help="Show a traceback on errors."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def output_options(command: F) -> F:
    """``-o/--output`` and ``--force``."""
    command = click.option(
        "--force", is_flag=True, help="Replace the output file if it exists."
    )(command)
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        help="Write to FILE (atomically) instead of stdout.",
    )(command)


def _session(exports: tuple[str, ...], encoding: str | None, quiet: bool) -> ReadSession:
    session = ReadSession(exports, encoding=encoding, show_progress=not quiet and _stderr_tty())
    session.open()
    return session


def _stderr_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _note(quiet: bool, message: str) -> None:
    if not quiet and message:
        click.echo(f"wpmigrate: {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wpmigrate")
def cli() -> None:
    """Get comments out of WordPress exports (WXR) as JSON, JSON Lines or Markdown.

    EXPORT is a WXR file (plain, .gz, .bz2, .xz, or a WordPress.com .zip) or
    '-' for stdin. Data goes to stdout, messages to stderr.
    """


@cli.command()
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json"]),
    default="jsonl",
    show_default=True,
    help="JSON Lines, or one JSON array (streamed).",
)
@click.option("--posts", "per_post", is_flag=True, help="One record per post instead of per comment.")
@click.option("--pretty", is_flag=True, help="Indent the JSON.")
@click.option("--redact", is_flag=True, help="Leave out commenter e-mails and IPs.")
@output_options
@handle_errors
def extract(
    exports: tuple[str, ...],
    encoding: str | None,
    quiet: bool,
    debug: bool,
    fmt: str,
    per_post: bool,
    pretty: bool,
    redact: bool,
    output: str | None,
    force: bool,
) -> None:
    """Write every comment of the exports as a record (JSON Lines by default).

    \b
    Example:
      wpmigrate extract export.xml > comments.jsonl
      wpmigrate extract --posts --format json --pretty site.zip -o posts.json
    """
    session = _session(exports, encoding, quiet)
    shape = post_records if per_post else comment_records
    failure: DataError | None = None
    with output_stream(output, force) as out:
        writer = JsonWriter(out, fmt, pretty)  # type: ignore[arg-type]
        try:
            for record in shape(session.posts(), private=not redact):
                writer.write(record)
        except DataError as exc:
            failure = exc  # what was read before the fault is still written
        writer.close()
    _note(quiet, session.summary())
    if failure is not None:
        raise failure


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="wpmigrate")
