"""``python -m wpmigrate``: the same as the ``wpmigrate`` command."""

from .cli import main

if __name__ == "__main__":
    main()
