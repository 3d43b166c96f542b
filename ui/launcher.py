"""The `station` command: the desktop app with no arguments, the command line otherwise.

It lives in ui/ because the core (station/) may not import Qt; Qt is imported only
when the app is wanted, so the command line starts as fast as before.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "app":
        from ui.app import run

        return run(args[1:])
    from station.cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
