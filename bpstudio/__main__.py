"""``python -m bpstudio`` — the same as the ``bpstudio`` command."""

import sys

from bpstudio.cli import main

sys.exit(main())
