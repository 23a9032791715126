"""``/api/v1/policy/`` answers scope, subsidy and vote requests with the same decisions and reasons as ``gaizao rules``
(both call ``gaizao.policy.cli.decide``). Here beside the programme tests because it needs the demo accounts; the
policy core's own tests run without Django."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from gaizao.policy.cli import main

pytestmark = pytest.mark.django_db

REQUESTS = {
    "scope": {"built_year": 1995, "assessed_year": 2025, "last_comprehensive_renovation_year": 2022},
    "subsidy": {
        "district": "上城区",
        "built_year": 1989,
        "affordable_housing": False,
        "final_accounts": "2000000.005",
        "elevator_cost": "300000",
        "secondary_water_cost": "0",
        "building_area_m2": "5000",
        "on": "2024-06-30",
    },
    "vote": {
        "matter": 7,
        "units": [
            {"unit_id": "1", "owner_id": "A", "area_m2": "80"},
            {"unit_id": "2", "owner_id": "B", "area_m2": "70.5"},
            {"unit_id": "3", "owner_id": "D1", "area_m2": "90", "developer_held": True},
            {"unit_id": "4", "owner_id": "D2", "area_m2": "90", "developer_held": True},
        ],
        "ballots": {"A": "yes", "B": "yes", "D2": "no"},
    },
}


def cli(command: str, data: dict) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main([command, "-"], stdin=io.StringIO(json.dumps(data)), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def client(accounts) -> Client:
    c = Client()
    c.force_login(accounts["shangcheng"])
    return c


@pytest.mark.parametrize("command", sorted(REQUESTS))
def test_same_decision_and_reasons_as_the_command_line(client, command):
    status, out, _ = cli(command, REQUESTS[command])
    assert status == 0
    r = client.post(
        f"/api/v1/policy/{command}", json.dumps(REQUESTS[command]), content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json() == json.loads(out)
    assert all(reason["clause"] for reason in r.json()["reasons"])


def test_developer_units_count_as_one_owner_through_the_api(client):
    r = client.post("/api/v1/policy/vote", json.dumps(REQUESTS["vote"]), content_type="application/json")
    assert r.json()["total_owners"] == 3


def test_bad_input_is_refused_with_the_command_lines_message(client):
    bad = {**REQUESTS["subsidy"], "district": "下城区X"}
    status, _, err = cli("subsidy", bad)
    assert status == 2
    r = client.post("/api/v1/policy/subsidy", json.dumps(bad), content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and r.json()["field"] == "district"
    assert r.json()["message"] in err


def test_rulesets_listed_and_login_required(client):
    assert [r["id"] for r in client.get("/api/v1/policy/rulesets").json()] == ["hz-2019-72", "hz-2022-10"]
    assert Client().post("/api/v1/policy/scope", "{}", content_type="application/json").status_code == 401
