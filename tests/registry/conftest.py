from __future__ import annotations

import pytest

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.divisions.services import divisions_load_hangzhou


@pytest.fixture
def divisions(db):
    return divisions_load_hangzhou()


@pytest.fixture
def accounts(divisions) -> dict[str, User]:
    demo_accounts_load()
    return {u.username: u for u in User.objects.select_related("division")}


@pytest.fixture
def qingbomen(divisions) -> Division:
    return Division.objects.get(code="330102001051")


@pytest.fixture
def xihu_street(divisions) -> Division:
    return Division.objects.filter(
        level="street", path__startswith=Division.objects.get(code="330106").path
    ).first()
