"""Developers: `python -m station_app.store.new_revision "what changed"` after editing tables.py.

A module of its own so that `-m` does not run migrate.py a second time (the store package
has imported it already).
"""

import sys

from station_app.store.migrate import make_revision

if __name__ == "__main__":
    make_revision(" ".join(sys.argv[1:]) or "schema change")
