"""``python -m kneekit.cli``: the same as the ``kneekit`` command."""

import sys

from kneekit.cli import main

sys.exit(main())
