"""`python -m vaxdesk` runs the command line."""

import sys

from vaxdesk.cli import main

sys.exit(main())
