"""`python -m bot` is the same as the `tdkt-bot` command."""

import sys

from bot.cli import main

sys.exit(main())
