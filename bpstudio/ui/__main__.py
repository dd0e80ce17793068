"""``python -m bpstudio.ui`` opens the app (see ``app.main`` for the flags)."""

import sys

from .app import main

sys.exit(main())
