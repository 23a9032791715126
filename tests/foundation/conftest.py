from __future__ import annotations

import pytest

from gaizao.accounts.demo import DEMO_PASSWORD, demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.services import divisions_load_hangzhou


@pytest.fixture
def divisions(db):
    return divisions_load_hangzhou()


@pytest.fixture
def accounts(divisions) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD
