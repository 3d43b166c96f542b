"""The bundle's `station` executable: the same entry point as the installed command.

PyInstaller freezes this file; everything else is found through the hidden imports and
data files that scripts/bundle.spec collects.
"""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
