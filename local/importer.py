"""`python -m local.importer lastfm ...` (`make import-lastfm`): the history importer's entry point.

The importer itself is the package local.lastfm_import (plan, send, wait, cli); the plan's pieces are
named here too, for the evaluation harness, which replays the same events.
"""

import sys

from local.lastfm_import.cli import main
from local.lastfm_import.plan import NOMINAL_MS_PLAYED, catalog_item, pack_groups, play_events

__all__ = ["NOMINAL_MS_PLAYED", "catalog_item", "main", "pack_groups", "play_events"]

if __name__ == "__main__":
    sys.exit(main())
