"""The ``wpmigrate`` command line: each command opens streams, calls the pipeline, maps errors.

Exit codes (also in the README): 0 success, 1 findings (``verify``), 2 usage,
3 unreadable input, 4 input that is not a usable export (the records read
before a fault are still written), 5 output not writable, 70 internal error,
130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from . import __version__
from .conversation.moderation import Ledger, Policy, load_blocklist
from .conversation.thread import DEFAULT_MAX_DEPTH
from .errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    DataError,
    InputError,
    OutputError,
    Terminated,
    WpmigrateError,
)
from .parse.encoding import usable_codec
from .parse.faults import format_size
from .parse.wxr import MAX_COMMENT_SIZE
from .pipeline import (
    Converse,
    EncodedComments,
    EncodedConversation,
    ReadSession,
)
from .render.jsonl import JsonWriter, dumps
from .stats import ExportStats
from .terminal import printable
from .write.outputs import check_distinct, output_stream, quiet_stdout, stdout_stream
from .write.publish import guard_standard_streams, install_signal_handlers

F = TypeVar("F", bound=Callable[..., Any])
#: Files from this size up are read (and rendered) in parts by ``archive``.
ARCHIVE_MIN_SPLIT = 2 << 20


def _fail(message: str, code: int) -> None:
    click.echo(printable(f"Error: {message}"), err=True)
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
            quiet_stdout()
            sys.exit(EXIT_OK)
        except Terminated:
            _fail("terminated", EXIT_TERMINATED)
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
    codec = usable_codec(value)
    if codec is not None:
        return codec
    try:
        codecs.lookup(value)
    except (LookupError, ValueError):
        raise click.BadParameter(
            f"unknown encoding {value!r} (not a text encoding Python knows)"
        ) from None
    # utf-7, idna, rot13, base64, …: Python has them, no XML document is written in them.
    raise click.BadParameter(f"{value!r} is not an encoding an XML export can be written in")


_SIZE = re.compile(r"(\d+)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)
_SHIFTS = {"": 0, "k": 10, "m": 20, "g": 30}


def parse_size(text: str) -> int:
    """``64M`` -> 67108864: bytes, or a number with K, M or G (powers of 1024; ``MiB``,
    ``MB`` and ``M`` all mean 2**20). Raises ValueError for anything else or 0.
    """
    match = _SIZE.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(text)
    return int(match.group(1)) << _SHIFTS[match.group(2).lower()]


def _remember_comment_limit(ctx: click.Context, param: click.Parameter, value: str) -> None:
    # Kept on the context, not passed to each command: every reading command has
    # it, and only _session needs it.
    try:
        ctx.meta["max_comment_size"] = parse_size(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a size (a number of bytes, or with K, M or G: 64M)"
        ) from None


def _default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def input_options(command: F) -> F:
    """``EXPORT...`` plus the options every reading command shares."""
    return click.argument("exports", nargs=-1, metavar="[EXPORT]...")(reading_options(command))


def reading_options(command: F) -> F:
    """The options every reading command shares."""
    decorators = [
        click.option(
            "--encoding",
            callback=_check_encoding,
            help="Read the exports in this encoding, whatever they declare "
            "(e.g. cp1252 for a Latin-1 export that claims UTF-8).",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=_default_jobs,
            show_default="number of cores",
            help="Processes to use: large exports are read in parts, several exports at once.",
        ),
        click.option(
            "--max-comment-size",
            metavar="SIZE",
            default=format_size(MAX_COMMENT_SIZE).replace(" ", "").removesuffix("iB"),
            show_default=True,
            expose_value=False,
            callback=_remember_comment_limit,
            help="Stop at a comment larger than this, in bytes of XML (K, M, G: powers "
            "of 1024), before it takes the memory; WordPress itself stores at most 64K.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No summary or progress on stderr."),
        click.option("--debug", is_flag=True, help="Show a traceback on errors."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def output_options(command: F) -> F:
    """``-o/--output`` and ``--force``."""
    command = click.option("--force", is_flag=True, help="Replace the output file if it exists.")(
        command
    )
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        help="Write to FILE (atomically) instead of stdout.",
    )(command)


def moderation_options(command: F) -> F:
    """The options that decide what is public, shared by every command that publishes."""
    decorators = [
        click.option(
            "--include",
            "include",
            multiple=True,
            metavar="STATUS",
            help="Also keep comments with this status (e.g. pending). Repeatable.",
        ),
        click.option(
            "--type",
            "allow_types",
            multiple=True,
            metavar="TYPE",
            help="Also keep comments of this type (e.g. review). Repeatable.",
        ),
        click.option("--no-pings", is_flag=True, help="Drop pingbacks and trackbacks."),
        click.option(
            "--ignore-akismet",
            is_flag=True,
            help="Keep approved comments Akismet had flagged as spam.",
        ),
        click.option(
            "--blocklist",
            metavar="FILE",
            help="Drop comments matching WordPress 'Disallowed Comment Keys' "
            "(one word, phrase, IP, e-mail or URL part per line).",
        ),
        click.option(
            "--max-links",
            type=click.IntRange(min=1),
            metavar="N",
            help="Drop comments with N or more links (WordPress's moderation limit).",
        ),
        click.option(
            "--drop-orphaned-replies",
            is_flag=True,
            help="Drop replies whose parent was dropped, instead of moving them up.",
        ),
        click.option(
            "--include-protected",
            is_flag=True,
            help="Keep the comments of password-protected posts (WordPress showed "
            "them only to readers who gave the password).",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def json_options(command: F) -> F:
    """``--format jsonl|json``, ``--pretty`` and ``--redact``: how records are written."""
    decorators = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["jsonl", "json"]),
            default="jsonl",
            show_default=True,
            help="JSON Lines (a record per line), or one JSON array (streamed).",
        ),
        click.option("--pretty", is_flag=True, help="Indent the JSON."),
        click.option("--redact", is_flag=True, help="Leave out commenter e-mails and IPs."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def publish_options(command: F) -> F:
    """``--all-posts`` and ``--rejects``: the commands that publish conversations."""
    command = click.option(
        "--rejects", metavar="FILE", help="Write every dropped comment here (JSON Lines)."
    )(command)
    return click.option(
        "--all-posts",
        is_flag=True,
        help="Also write published posts and pages with no public comment.",
    )(command)


def build_policy(
    include: tuple[str, ...],
    allow_types: tuple[str, ...],
    no_pings: bool,
    ignore_akismet: bool,
    blocklist: str | None,
    max_links: int | None,
    drop_orphaned_replies: bool,
    include_protected: bool = False,
) -> Policy:
    """The :class:`Policy` the moderation options describe."""
    keys: tuple[str, ...] = ()
    if blocklist is not None:
        try:
            with open(blocklist, encoding="utf-8", errors="replace") as handle:
                keys = load_blocklist(handle)
        except OSError as exc:
            raise InputError(f"{blocklist}: cannot read blocklist: {exc.strerror or exc}") from exc
    return Policy(
        include_statuses=frozenset(include),
        allow_types=frozenset(allow_types),
        pings=not no_pings,
        akismet=not ignore_akismet,
        blocklist=keys,
        max_links=max_links,
        drop_orphaned_replies=drop_orphaned_replies,
        include_protected=include_protected,
    )


def _session(
    exports: tuple[str, ...], encoding: str | None, quiet: bool, jobs: int = 1
) -> ReadSession:
    session = ReadSession(
        exports, encoding=encoding, show_progress=not quiet and _stderr_tty(), jobs=jobs
    )
    session.max_comment_size = click.get_current_context().meta.get(
        "max_comment_size", MAX_COMMENT_SIZE
    )
    session.open()
    return session


class _Accounts:
    """A publishing command's accounting: every post's ledger, merged, and the
    dropped comments written to ``--rejects`` when it is given."""

    def __init__(self, rejects: JsonWriter | None) -> None:
        self.ledger = Ledger()
        self.rejects = rejects

    def take(self, counted: Ledger, dropped: list[bytes]) -> None:
        """One post's ledger, and its dropped comments (encoded)."""
        self.ledger.merge(counted)
        if self.rejects is not None:
            for data in dropped:
                self.rejects.write_encoded(data)


@contextlib.contextmanager
def _accounts(rejects: str | None, force: bool) -> Iterator[_Accounts]:
    """:class:`_Accounts` writing to the file ``rejects`` (none without one)."""
    if rejects is None:
        yield _Accounts(None)
        return
    with output_stream(rejects, force) as handle:
        writer = JsonWriter(handle)
        yield _Accounts(writer)
        writer.close()


def _stderr_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _note(quiet: bool, message: str) -> None:
    if not quiet and message:
        click.echo(printable(f"wpmigrate: {message}"), err=True)


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
    "--posts", "per_post", is_flag=True, help="One record per post instead of per comment."
)
@json_options
@output_options
@handle_errors
def extract(
    exports: tuple[str, ...],
    encoding: str | None,
    jobs: int,
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
    check_distinct({"-o": output})
    session = _session(exports, encoding, quiet, jobs)
    stage = EncodedComments(per_post=per_post, private=not redact, pretty=pretty)
    failure: WpmigrateError | None = None
    with output_stream(output, force) as out:
        writer = JsonWriter(out, fmt, pretty)  # type: ignore[arg-type]
        try:
            for _group, encoded in session.staged(stage):
                for data in encoded:
                    writer.write_encoded(data)
        except (DataError, InputError) as exc:
            failure = exc  # what was read before the fault is still written, and valid
        writer.close()
    if failure is not None:
        raise failure  # one line: the message already says what was read before it
    _note(quiet, session.summary())


@cli.command("thread")
@input_options
@moderation_options
@click.option(
    "--max-depth",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_DEPTH,
    show_default=True,
    help="Deepest nesting; deeper replies are listed at this depth.",
)
@publish_options
@json_options
@output_options
@handle_errors
def thread_command(
    exports: tuple[str, ...],
    encoding: str | None,
    jobs: int,
    quiet: bool,
    debug: bool,
    max_depth: int,
    all_posts: bool,
    rejects: str | None,
    fmt: str,
    pretty: bool,
    redact: bool,
    output: str | None,
    force: bool,
    **moderation: Any,
) -> None:
    """Rebuild each post's public conversation: one JSON record per post.

    Reads WXR exports, or `wpmigrate extract` output on stdin. Spam, trash,
    pending and private comments are dropped, each with a reason (--rejects).

    \b
    Example:
      wpmigrate thread export.xml > threads.jsonl
      wpmigrate extract export.xml | wpmigrate thread --rejects dropped.jsonl
    """
    check_distinct({"-o": output, "--rejects": rejects})
    policy = build_policy(**moderation)
    session = _session(exports, encoding, quiet, jobs)
    converse = Converse(policy, max_depth, all_posts, private=not redact)
    stage = EncodedConversation(converse, pretty=pretty, rejects=rejects is not None)
    failure: WpmigrateError | None = None
    with output_stream(output, force) as out, _accounts(rejects, force) as accounts:
        writer = JsonWriter(out, fmt, pretty)  # type: ignore[arg-type]
        try:
            for _group, (record, dropped, counted) in session.staged(stage):
                accounts.take(counted, dropped)
                if record is not None:
                    writer.write_encoded(record)
        except (DataError, InputError) as exc:
            failure = exc
        writer.close()
    accounts.ledger.check()
    if failure is not None:
        raise failure
    _note(quiet, f"{session.summary()}; {accounts.ledger.line()}")


@cli.command()
@input_options
@moderation_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON instead of a table.")
@handle_errors
def stats(
    exports: tuple[str, ...],
    encoding: str | None,
    jobs: int,
    quiet: bool,
    debug: bool,
    as_json: bool,
    **moderation: Any,
) -> None:
    """Count what an export holds: posts, comments by status and type, threads, repairs.

    The first thing to run on an unknown export. "public" applies the same
    moderation as `thread` (and its options).

    \b
    Example:
      wpmigrate stats export.xml
      wpmigrate stats --json site.zip | jq .comments_by_status
    """
    policy = build_policy(**moderation)
    session = _session(exports, encoding, quiet, jobs)
    counted = ExportStats()
    counted.add_all(session.groups(), policy)
    counted.ledger.check()
    if as_json:
        text = dumps(counted.as_dict(session.reader.repairs), pretty=True) + "\n"
    else:
        # The table names statuses and types as the export wrote them.
        table = counted.table(session.reader.repairs)
        text = "\n".join(printable(line) for line in table.split("\n"))
    out = stdout_stream()
    out.write(text.encode("utf-8"))
    out.flush()


@cli.command()
@input_options
@moderation_options
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    metavar="DIR",
    help="Folder to write the archive into (created if missing).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="One Markdown or JSON file per post, plus an index.",
)
@click.option(
    "--layout",
    type=click.Choice(["flat", "dated"]),
    default="flat",
    show_default=True,
    help="flat: DIR/slug.md; dated: DIR/2010/11/slug.md.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Deepest nesting shown in Markdown (WordPress's largest thread depth setting).",
)
@click.option(
    "--keep-private-fields",
    is_flag=True,
    help="Keep commenter e-mails, IPs and comment metadata (for a private backup).",
)
@publish_options
@click.option("--force", is_flag=True, help="Replace files that already exist in DIR.")
@handle_errors
def archive(
    exports: tuple[str, ...],
    encoding: str | None,
    jobs: int,
    quiet: bool,
    debug: bool,
    out_dir: str,
    fmt: str,
    layout: str,
    max_depth: int,
    keep_private_fields: bool,
    all_posts: bool,
    rejects: str | None,
    force: bool,
    **moderation: Any,
) -> None:
    """Write one file per post with its public conversation, plus an index.

    Reads WXR exports, or `wpmigrate thread`/`extract` output on stdin. The
    files carry no commenter e-mail or IP (an avatar hash instead) unless
    --keep-private-fields. Nothing in DIR is replaced without --force.

    \b
    Example:
      wpmigrate archive export.xml -o comments/ --format markdown
      wpmigrate thread export.xml | wpmigrate archive -o data/comments --format json
    """
    from .write.archive import ArchiveOptions, ArchiveStage, ArchiveWriter  # keeps --help fast

    check_distinct({"-o": out_dir, "--rejects": rejects})
    policy = build_policy(**moderation)
    session = _session(exports, encoding, quiet, jobs)
    # Rendering costs far more than reading: worth cutting even a small export.
    session.min_split = ARCHIVE_MIN_SPLIT
    options = ArchiveOptions(
        fmt=fmt,  # type: ignore[arg-type]
        layout=layout,  # type: ignore[arg-type]
        max_depth=max_depth,
        keep_private=keep_private_fields,
        force=force,
        jobs=jobs,
    )
    with _accounts(rejects, force) as accounts, ArchiveWriter(out_dir, options) as writer:
        converse = Converse(policy, all_posts=all_posts)
        stage = ArchiveStage(converse, options, rejects is not None)
        for _group, (post, dropped, counted) in session.staged(stage):
            accounts.take(counted, dropped)
            if post is not None:
                writer.add(post)
        result = writer.finish()
    ledger = accounts.ledger
    ledger.check()
    _note(
        quiet,
        f"{session.summary()}; {ledger.line()}; wrote {len(result.files)} files to {out_dir}",
    )


@cli.command("verify")
@click.argument("paths", nargs=-1, required=True, metavar="[EXPORT]... ARCHIVE_DIR")
@reading_options
@moderation_options
@click.option(
    "--allow-private",
    is_flag=True,
    help="The archive was made with --keep-private-fields: e-mails and IPs are expected.",
)
@handle_errors
def verify_command(
    paths: tuple[str, ...],
    encoding: str | None,
    jobs: int,
    quiet: bool,
    debug: bool,
    allow_private: bool,
    **moderation: Any,
) -> None:
    """Audit an archive against its export: every public comment once, nothing private.

    Re-reads the export(s) and ARCHIVE_DIR (Markdown or JSON, as `archive` wrote
    it) and reports, one line each, any public comment missing from the archive,
    any comment in it twice or that should not be public, and any commenter
    e-mail, IP or comment metadata found in its files. Exit 0 when clean, 1 on
    findings. Use the same moderation options as for `archive`.

    \b
    Example:
      wpmigrate archive export.xml -o comments/ && wpmigrate verify export.xml comments/
    """
    from .verify import verify  # keeps --help fast

    *names, archive_dir = paths
    policy = build_policy(**moderation)
    session = _session(tuple(names), encoding, quiet, jobs)
    report = verify(session.groups(), archive_dir, policy, allow_private=allow_private)
    # The exit status is the audit's answer, whatever happens to the report:
    # `verify … | head -1` or a full disk must not turn findings into success.
    try:
        lines = list(report.lines())
        if lines:
            out = stdout_stream()
            for line in lines:
                # file names in the archive, as anyone made them
                out.write(printable(line).encode("utf-8", "replace") + b"\n")
            out.flush()
    except BrokenPipeError:
        quiet_stdout()  # the reader has seen what it wanted
    except OutputError as exc:
        click.echo(f"Error: {exc.message} (verify found problems)", err=True)
        sys.exit(EXIT_FINDINGS)
    _note(quiet, f"{session.summary()}; {report.summary()}")
    if not report.ok:
        sys.exit(EXIT_FINDINGS)


def main() -> None:
    """Console-script entry point: exit codes for what happens outside a command too."""
    try:
        # In the try: a signal while these run is "interrupted" like any other.
        guard_standard_streams()
        install_signal_handlers()
        # make_context/invoke rather than cli.main: main turns a Ctrl-C that
        # lands outside a command (while parsing) into "Aborted!" and exit 1.
        with cli.make_context("wpmigrate", sys.argv[1:]) as ctx:
            cli.invoke(ctx)
        if sys.stdout is not None:
            sys.stdout.flush()  # --help, --version: a full stdout is exit 5 too
    except Terminated:
        _fail("terminated", EXIT_TERMINATED)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        quiet_stdout()
    except OSError as exc:  # writing --help or --version
        quiet_stdout()
        _fail(f"<stdout>: cannot write: {exc.strerror or exc}", EXIT_OUTPUT)
    finally:
        # The work is done or given up: a signal from now on must not turn
        # into a traceback while Python shuts down.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
