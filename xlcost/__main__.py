"""``python -m xlcost``: the ``xlcost`` command."""

import sys

from .cli import main

sys.exit(main())
