"""Inputs that gave a 500 (issue 18, Robustness) answer 4xx naming the field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gaizao.participation import services
from gaizao.participation.models import Vote
from gaizao.registry.importing import import_file, writing
from gaizao.registry.models import Community
from tests.registry.test_import_helpers import HEADERS, community_row, xlsx_bytes

BIG = "9" * 25


@pytest.fixture
def ballot(world, accounts):
    b = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="other",
        matter=7,
        question="q",
    )
    return services.ballot_open(actor=accounts["qingbomen"], ballot_id=b.pk)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/registry/communities/{BIG}",
        f"/registry/communities/{BIG}/",
        f"/participation/ballots/{BIG}/",
        f"/api/v1/participation/ballots/{BIG}",
    ],
)
def test_huge_ids_are_not_found(accounts, url):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["city"])
    assert client.get(url).status_code == 404


def test_a_null_choice_names_the_field(world, ballot):
    client = Client(raise_request_exception=False)
    client.force_login(world.residents[0])
    response = client.post(
        f"/api/v1/participation/ballots/{ballot.pk}/vote", '{"choice": null}', content_type="application/json"
    )
    assert response.status_code == 422 and "choice" in response.json()["message"]


def test_malformed_multipart_is_a_client_error(accounts, ballot):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["qingbomen"])
    response = client.post(
        f"/api/v1/participation/ballots/{ballot.pk}/entries",
        b"--xx\r\nbroken",
        content_type="multipart/form-data; boundary=xx",
    )
    assert 400 <= response.status_code < 500


def test_a_long_file_name_is_stored_under_a_short_one(world, accounts, ballot):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["qingbomen"])
    name = "业主签字的纸质表决票扫描件" * 20 + ".png"
    response = client.post(
        f"/api/v1/participation/ballots/{ballot.pk}/entries",
        {
            "owner_id": world.owners[0].pk,
            "choice": "yes",
            "channel": "paper",
            "serial_number": "P-1",
            "scan": SimpleUploadedFile(name, b"\x89PNG scan", content_type="image/png"),
        },
    )
    assert response.status_code == 201, response.content
    stored = Vote.objects.get(ballot=ballot).scan.name
    assert len(stored) <= 100 and stored.endswith(".png")


def test_two_identical_imports_at_once_do_not_give_a_server_error(accounts, monkeypatch):
    data = xlsx_bytes(HEADERS, [community_row(1), community_row(2)])
    original = writing.write
    racing = {"done": False}

    def write_after_a_racing_import(validated, **kw):
        # the same file, uploaded twice at once: the other import writes between this one's checks and its write
        if not racing["done"]:
            racing["done"] = True
            assert import_file(
                kind="communities", data=data, filename="b.xlsx", actor=accounts["shangcheng"]
            ).ok
        return original(validated, **kw)

    monkeypatch.setattr(writing, "write", write_after_a_racing_import)
    report = import_file(kind="communities", data=data, filename="a.xlsx", actor=accounts["shangcheng"])
    assert not report.ok and "另一个导入" in report.errors[0].message
    assert Community.objects.filter(code__in=["SC00001", "SC00002"]).count() == 2


@pytest.mark.parametrize("plan_year", [0, 100, -5, 329352673008])
def test_an_impossible_plan_year_names_the_field(accounts, plan_year):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["shangcheng"])
    response = client.post(
        "/api/v1/programme/annual-plans", {"plan_year": plan_year}, content_type="application/json"
    )
    assert response.status_code == 400 and "plan_year" in response.json()["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/oversight/targets?year=20000",
        "/api/v1/oversight/progress?year=-5111",
        f"/api/v1/oversight/inspections?year={BIG}",
    ],
)
def test_an_impossible_year_names_the_field(accounts, url):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["city"])
    response = client.get(url)
    assert response.status_code == 422 and "year" in response.json()["message"]


@pytest.mark.parametrize("kind", ["facilities", "stock-sites"])
def test_a_huge_page_size_names_the_field(accounts, kind):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["shangcheng"])
    response = client.get(f"/api/v1/registry/{kind}?limit={BIG}")
    assert response.status_code == 422 and "limit" in response.json()["message"]
    assert client.get(f"/api/v1/registry/{kind}?limit=1000").status_code == 200


def test_a_nul_character_is_refused_naming_the_field(accounts):
    # PostgreSQL refuses NUL in any text, even in a filter: it is refused before a view runs, on either database
    client = Client(raise_request_exception=False)
    client.force_login(accounts["shangcheng"])
    response = client.post(
        "/api/v1/lifecircle/runs",
        {"division": "\x00上城区", "network_id": 1},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["message"].endswith(
        "division: contains a NUL character."
    )
    response = client.get("/api/v1/registry/communities?q=%00a")
    assert response.status_code == 400 and "q: contains a NUL character" in response.json()["message"]
    page = "/programme/public/00000000-0000-0000-0000-000000000000/"
    response = client.post(page, "name=a&body=%E6%84%8F%E8%A7%81%00", "application/x-www-form-urlencoded")
    assert response.status_code == 400 and "body: contains a NUL character" in response.content.decode()
    response = client.post(page, {"name": "a\x00"})  # multipart
    assert response.status_code == 400 and "name: contains a NUL character" in response.content.decode()
    # a NUL that is no field's (a binary upload) is not looked at, and other inputs pass
    assert client.get("/api/v1/registry/communities?q=a").status_code == 200


def test_a_huge_community_id_in_a_new_project_names_the_field(accounts):
    client = Client(raise_request_exception=False)
    client.force_login(accounts["shangcheng"])
    response = client.post(
        "/api/v1/programme/projects",
        {"community_ids": [900, -5146228548514027419992064]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "communities" in response.json()["message"]
