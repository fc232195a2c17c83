"""`python -m local.importer lastfm ...` (`make import-lastfm`): the history importer's entry point.

The importer itself is the package local.lastfm_import (plan, send, wait, cli); the evaluation harness
replays the same events from local.lastfm_import.plan.
"""

import sys

from local.lastfm_import.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
