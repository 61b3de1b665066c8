"""``python -m wpmigrate`` and the ``wpmigrate`` command's entry point.

Signal handlers come first, before the heavy imports (click, lxml, the
renderers take a good part of a second on a busy machine): a Ctrl-C or SIGTERM
while they load is one line and exit 130/143 like any other, not a traceback
of whichever import it landed in.
"""

from __future__ import annotations

import sys

from .errors import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated
from .write.publish import install_signal_handlers


def main() -> None:
    """Console-script entry point."""
    try:
        install_signal_handlers()
        from .cli import main as run

        # Inside the try too: a signal can land on cli.main's first line, before
        # its own try (Python checks for signals on entering a function).
        run()
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        sys.stderr.write("Error: terminated\n" if terminated else "Error: interrupted\n")
        sys.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
