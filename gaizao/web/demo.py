"""Load everything the demo needs, app by app: each app in ``DEMO_APPS`` provides ``gaizao.<app>.demo.load_demo(out)``.

The order is the order of a project's life: the registry and analysis first, then participation and the programme,
the special plan, works, money and long-term management. A listed app without a loader is an error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from gaizao.accounts.demo import demo_accounts_load
from gaizao.divisions.services import divisions_load_hangzhou

DEMO_APPS = [
    "registry",
    "lifecircle",
    "participation",
    "programme",
    "planning",
    "delivery",
    "money",
    "stewardship",
    "oversight",
]


def demo_load(out: Callable[[str], None] = print) -> None:
    counts = divisions_load_hangzhou()
    out(f"区划 / divisions: {counts}")
    demo_accounts_load()
    for app in DEMO_APPS:
        importlib.import_module(f"gaizao.{app}.demo").load_demo(out)
