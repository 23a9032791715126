"""Demo accounts: one per role, each bound to its scope (password ``gaizao-demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from gaizao.accounts.models import Bureau, Role, User, UtilityKind
from gaizao.divisions.models import Division

DEMO_PASSWORD = "gaizao-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    division_code: str | None
    bureau: str = ""
    utility_kind: str = ""
    note: str = ""


DEMO_ACCOUNTS = [
    DemoAccount(
        "city",
        "市建委统筹",
        Role.CITY_COORDINATOR,
        "330100",
        Bureau.CONSTRUCTION,
        note="市建委 / city coordinator",
    ),
    DemoAccount(
        "ndrc", "市发改委审查", Role.MUNICIPAL_REVIEWER, "330100", Bureau.DEVELOPMENT_REFORM, note="市发改委"
    ),
    DemoAccount(
        "planning",
        "市规资局审查",
        Role.MUNICIPAL_REVIEWER,
        "330100",
        Bureau.PLANNING,
        note="市规划和自然资源局",
    ),
    DemoAccount("finance", "市财政局", Role.MUNICIPAL_REVIEWER, "330100", Bureau.FINANCE, note="市财政局"),
    DemoAccount("shangcheng", "上城区住建局", Role.DISTRICT_OFFICER, "330102", note="上城区"),
    DemoAccount("xihu", "西湖区住建局", Role.DISTRICT_OFFICER, "330106", note="西湖区"),
    DemoAccount("qingbo", "清波街道", Role.STREET_IMPLEMENTER, "330102001", note="上城区 清波街道"),
    DemoAccount(
        "qingbomen", "清波门社区", Role.COMMUNITY_ORGANISER, "330102001051", note="清波街道 清波门社区"
    ),
    DemoAccount(
        "water", "杭州水务", Role.UTILITY, "330100", utility_kind=UtilityKind.WATER, note="供水 / water"
    ),
    DemoAccount("resident", "居民业主", Role.RESIDENT, "330102001051", note="清波门社区业主 / owner"),
    DemoAccount("public", "公众", Role.PUBLIC, None, note="公众 / public (no account needed for the portal)"),
]


@transaction.atomic
def demo_accounts_load() -> list[DemoAccount]:
    """Create or reset the demo accounts. Idempotent.

    The password is hashed once and shared: a full-strength hash costs about a second, and the demo has eleven
    accounts with one public password.
    """
    from django.contrib.auth.hashers import make_password

    hashed = make_password(DEMO_PASSWORD)
    for spec in DEMO_ACCOUNTS:
        division = Division.objects.get(code=spec.division_code) if spec.division_code else None
        User.objects.update_or_create(
            username=spec.username,
            defaults={
                "display_name": spec.display_name,
                "role": spec.role,
                "division": division,
                "bureau": spec.bureau,
                "utility_kind": spec.utility_kind,
                "is_active": True,
                "password": hashed,
            },
        )
    return DEMO_ACCOUNTS
