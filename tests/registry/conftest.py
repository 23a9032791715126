from __future__ import annotations

from typing import Any

import pytest

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.models import Division
from gaizao.divisions.services import divisions_load_hangzhou

#: The division tree after the first real load, replayed by bulk insert in later tests (1.2 s → about 0.1 s).
_DIVISIONS: dict[str, Any] = {}


def _load_divisions() -> dict[str, int]:
    from django.core.management.color import no_style
    from django.db import connection

    if not _DIVISIONS or Division.objects.exists():
        counts = divisions_load_hangzhou()
        _DIVISIONS["counts"] = counts
        _DIVISIONS["rows"] = list(Division.objects.order_by("path").values())
        return counts
    Division.objects.bulk_create([Division(**row) for row in _DIVISIONS["rows"]], batch_size=500)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Division]):
            cursor.execute(sql)
    return _DIVISIONS["counts"]


@pytest.fixture
def divisions(db):
    return _load_divisions()


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
