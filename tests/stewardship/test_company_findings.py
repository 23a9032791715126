"""Property service companies record follow-up findings for the communities they serve (and nowhere else), and an
inspector issues delivery's rectification order on them; the city-wide scorecards take a fixed number of queries.
All through HTTP, with real multipart photos."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gaizao.accounts.models import Role, User
from gaizao.delivery.models import Finding, InspectorLevel, Organisation, OrganisationKind
from gaizao.stewardship.models import FeeCollection, FollowUp, FundEntry, PropertyContract, StewardMember
from tests.delivery.conftest import PNG, code

pytestmark = pytest.mark.django_db
API = "/api/v1/stewardship"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def photo(name: str = "crack.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _contract(community, company, number: str, starts_on: dt.date, ends_on: dt.date) -> PropertyContract:
    return PropertyContract.objects.create(
        community=community,
        company=company,
        mode="professional",
        number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        fee_yuan_per_m2_month=Decimal("0.80"),
        scope="保洁、秩序维护",
    )


def _company_account(name: str, code17: str, username: str) -> tuple[Organisation, User]:
    company = Organisation.objects.create(
        name=name, credit_code=code(code17), kind=OrganisationKind.PROPERTY_SERVICE
    )
    user = User.objects.create_user(username=username, password="pw-steward-1", role=Role.PROPERTY_SERVICE)
    StewardMember.objects.create(user=user, organisation=company)
    return company, user


def test_the_serving_company_records_a_finding_and_the_street_orders_it(
    handed_over, community, company, steward, accounts, orgs, divs
):
    from tests.programme.conftest import make_community

    today = timezone.localdate()
    _contract(community, company, "WY-QB-1", today - dt.timedelta(days=30), today + dt.timedelta(days=700))
    api = client_for(steward)
    url = f"{API}/communities/{community.pk}/findings"

    # through the API, with a real photo
    r = api.post(
        url,
        {
            "delivery_id": handed_over.pk,
            "description": "2幢单元门禁损坏",
            "severity": "minor",
            "photo": photo(),
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["company"] == company.pk and body["months"] is None and body["done"] is True
    assert [(f["description"], f["order"]) for f in body["findings"]] == [("2幢单元门禁损坏", None)]
    followup = FollowUp.objects.get(pk=body["id"])
    assert followup.inspection.level == InspectorLevel.PROPERTY_SERVICE
    assert followup.inspection.inspector == steward
    assert followup.inspection.findings.get().photo.name.endswith(".png")
    # refusals name the field
    r = api.post(url, {"delivery_id": handed_over.pk, "description": "x", "severity": "huge"})
    assert r.status_code == 400 and "severity" in r.json()["message"]
    r = api.post(url, {"delivery_id": handed_over.pk, "description": "", "severity": "minor"})
    assert r.status_code == 400 and "description" in r.json()["message"]
    r = api.post(url, {"delivery_id": 999999, "description": "x", "severity": "minor"})
    assert r.status_code == 400 and "delivery_id" in r.json()["message"]
    # a non-image photo is refused by delivery's check
    r = api.post(
        url,
        {
            "delivery_id": handed_over.pk,
            "description": "x",
            "severity": "minor",
            "photo": SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
        },
    )
    assert r.status_code == 400 and "photo" in r.json()["message"]

    # another company (serving another community) cannot touch this one: 404, page and API
    other_company, other_user = _company_account("杭州北山物业有限公司", "91330106MA2C00002", "wuye2")
    north = make_community("XH-010", "北山小区", divs["330106002"])
    _contract(north, other_company, "WY-BS-1", today - dt.timedelta(days=10), today + dt.timedelta(days=300))
    other = client_for(other_user)
    r = other.post(url, {"delivery_id": handed_over.pk, "description": "x", "severity": "minor"})
    assert r.status_code == 404
    r = other.post(
        f"/stewardship/communities/{community.pk}/findings/",
        {"delivery": handed_over.pk, "description": "x", "severity": "minor"},
    )
    assert r.status_code == 404
    # a company whose contract here has ended still reads its history but records nothing
    former_company, former_user = _company_account("杭州旧物业有限公司", "91330102MA2C00003", "wuye3")
    _contract(
        community, former_company, "WY-QB-0", today - dt.timedelta(days=400), today - dt.timedelta(days=31)
    )
    former = client_for(former_user)
    assert former.get(f"/stewardship/communities/{community.pk}/").status_code == 200
    assert (
        'id="company-finding-form"'
        not in former.get(f"/stewardship/communities/{community.pk}/").content.decode()
    )
    r = former.post(url, {"delivery_id": handed_over.pk, "description": "x", "severity": "minor"})
    assert r.status_code == 403
    # staff do not record as a company
    r = client_for(accounts["qingbo"]).post(
        url, {"delivery_id": handed_over.pk, "description": "x", "severity": "minor"}
    )
    assert r.status_code == 403
    assert Finding.objects.filter(inspection__level=InspectorLevel.PROPERTY_SERVICE).count() == 1

    # through the page: the form shows for the serving company only
    page = api.get(f"/stewardship/communities/{community.pk}/").content.decode()
    assert 'id="company-finding-form"' in page and "物业发现问题" in page
    street = client_for(accounts["qingbo"])
    assert (
        'id="company-finding-form"'
        not in street.get(f"/stewardship/communities/{community.pk}/").content.decode()
    )
    r = api.post(
        f"/stewardship/communities/{community.pk}/findings/",
        {
            "delivery": handed_over.pk,
            "description": "5幢屋面渗水",
            "severity": "major",
            "photo": photo("roof.png"),
        },
    )
    assert r.status_code == 302
    finding = Finding.objects.get(description="5幢屋面渗水")
    assert finding.inspection.followup.company == company

    # the street inspector issues the order to the contractor (delivery's order_issue) from the same page
    page = street.get(f"/stewardship/communities/{community.pk}/").content.decode()
    assert f'action="/stewardship/findings/{finding.pk}/order/"' in page
    assert (
        f'action="/stewardship/findings/{finding.pk}/order/"'
        not in api.get(f"/stewardship/communities/{community.pk}/").content.decode()
    )
    r = api.post(f"/stewardship/findings/{finding.pk}/order/", {"party": orgs["builder"].pk})
    assert r.status_code == 404  # the company is no inspector: delivery does not show it the finding
    r = street.post(
        f"/stewardship/findings/{finding.pk}/order/",
        {"party": orgs["builder"].pk, "requirement": "保修期内修复"},
    )
    assert r.status_code == 302
    finding.refresh_from_db()
    assert finding.order.party == orgs["builder"]
    followups = json.loads(street.get(f"{API}/followups").content)
    mine = next(f for f in followups if f["id"] == finding.inspection.followup.pk)
    assert mine["findings"][0]["order"]["party"] == orgs["builder"].name


def test_scorecards_take_a_fixed_number_of_queries(handed_over, community, company, accounts, divs):
    """The city-wide scorecards (API and page) do not query per community."""
    from tests.programme.conftest import make_community

    today = timezone.localdate()
    city = client_for(accounts["city"])

    def add(n: int) -> None:
        for _ in range(n):
            c = make_community(
                f"SC-Q{PropertyContract.objects.count():03d}", "测试小区", divs["330102001051"]
            )
            _contract(
                c, company, f"WY-Q-{c.pk}", today - dt.timedelta(days=100), today + dt.timedelta(days=300)
            )
            FeeCollection.objects.create(
                community=c, month=today.replace(day=1), billed=Decimal("1000"), collected=Decimal("900")
            )
            FundEntry.objects.create(
                community=c, kind="opening", amount=Decimal("1000"), on=today, description="x"
            )

    def queries(url: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = city.get(url)
        assert r.status_code == 200
        return len(ctx.captured_queries), r.content.decode().count(
            'data-scorecard="'
        ) if "api" not in url else len(r.json())

    add(2)
    few_api, n_few = queries(f"{API}/scorecards")
    few_page, _ = queries("/stewardship/scorecards/")
    add(6)
    many_api, n_many = queries(f"{API}/scorecards")
    many_page, n_page = queries("/stewardship/scorecards/")
    assert n_many == n_few + 6 == n_page
    assert many_api == few_api and many_page == few_page
