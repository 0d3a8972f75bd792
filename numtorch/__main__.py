"""``python -m numtorch``: the same command line as the ``numtorch`` console script."""

import sys

from numtorch.cli import main

sys.exit(main())
