"""Load everything the demo needs, app by app: each app may provide ``gaizao.<app>.demo.load_demo(out)``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from gaizao.accounts.demo import demo_accounts_load
from gaizao.divisions.services import divisions_load_hangzhou

DEMO_APPS = ["registry", "lifecircle", "participation", "programme", "planning"]


def demo_load(out: Callable[[str], None] = print) -> None:
    counts = divisions_load_hangzhou()
    out(f"区划 / divisions: {counts}")
    demo_accounts_load()
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"gaizao.{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"gaizao.{app}.demo":
                raise
            continue
        module.load_demo(out)
