from __future__ import annotations

import os

os.environ.setdefault("TASKS_BACKEND", "immediate")
