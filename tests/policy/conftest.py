"""The policy core is tested without Django: ``pytest -p no:django tests/policy`` must work.

With pytest-django disabled, the ``DJANGO_SETTINGS_MODULE`` key of ``[tool.pytest.ini_options]`` would be an unknown
option, which ``--strict`` config validation and warnings-as-errors turn into a failure; register it as a plain ini
key when (and only when) pytest-django has not.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    known = getattr(parser, "_inidict", {})
    if "DJANGO_SETTINGS_MODULE" not in known:
        parser.addini("DJANGO_SETTINGS_MODULE", "Django settings module (unused by the policy tests).")
