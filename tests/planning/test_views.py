"""Pages of the special plan and the optimiser, rendered, and their forms posted."""

from __future__ import annotations

from gaizao.planning import services
from gaizao.planning.models import SpecialPlan
from tests.planning.conftest import client_for


def test_plan_pages(accounts, divs, proposals, world):
    officer = client_for(accounts["shangcheng"])
    r = officer.get("/planning/")
    assert r.status_code == 200 and "plan-new-330102" in r.content.decode()
    r = officer.post("/planning/plans/new/", {"district": "330102", "title": "上城区专项规划"})
    plan = SpecialPlan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/planning/plans/{plan.pk}/"
    page = officer.get(r["Location"]).content.decode()
    assert "U01" in page and 'id="plan-submit"' in page and 'id="plan-map"' in page
    unit = plan.units.first()
    r = officer.post(
        f"/planning/units/{unit.pk}/",
        {
            "name": "清波片区",
            "mode": "comprehensive_improvement",
            "positioning": "宜居",
            "ind_parking_per_household": "0.5",
            "phase_year": "2027",
        },
    )
    assert r.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "清波片区" and unit.indicators == {"parking_per_household": "0.5"}
    assert officer.get(f"/planning/units/{unit.pk}/").status_code == 200
    # the map click
    member = unit.communities.first()
    r = officer.post(f"/planning/units/{unit.pk}/toggle/", {"community_id": member.pk})
    assert r.status_code == 200 and r.json() == {"ok": True, "member": False}
    r = officer.post(f"/planning/units/{unit.pk}/toggle/", {"community_id": world["far"].pk})
    assert r.status_code == 400 and r.json()["ok"] is False
    r = officer.post(
        f"/planning/plans/{plan.pk}/units/new/", {"community_ids": str(member.pk), "name": "新片区"}
    )
    assert r.status_code == 302 and plan.units.count() == 3
    assert officer.get(f"/planning/plans/{plan.pk}/map.json").json()["type"] == "FeatureCollection"
    r = officer.get(f"/planning/plans/{plan.pk}/document.docx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    officer.post(f"/planning/plans/{plan.pk}/submit/")
    city = client_for(accounts["city"])
    page = city.get(f"/planning/plans/{plan.pk}/").content.decode()
    assert 'id="plan-approve"' in page
    city.post(f"/planning/plans/{plan.pk}/review/", {"decision": "approve", "note": "同意"})
    plan.refresh_from_db()
    assert plan.state == "approved"
    assert client_for(accounts["xihu"]).get(f"/planning/plans/{plan.pk}/").status_code == 404
    assert client_for(accounts["resident"]).get("/planning/").status_code == 404


def test_optimiser_pages(accounts, divs, world):
    officer = client_for(accounts["shangcheng"])
    assert officer.get("/planning/optimiser/").status_code == 200
    r = officer.post(
        "/planning/optimiser/",
        {
            "district": "330102",
            "plan_year": "2027",
            "district_funds": "2000",
            "municipal_subsidy": "500",
            "target_communities": "0",
            "target_households": "0",
            "target_gaps": "0",
            "min_per_street": "0",
            "w_households": "1",
            "w_gaps": "150",
            "w_priority": "300",
            "w_urgency": "400",
            "w_readiness": "400",
        },
    )
    assert r.status_code == 302
    page = officer.get(r["Location"]).content.decode()
    assert 'id="shadow-price"' in page and 'id="budget-slider"' in page and 'id="run-save"' in page
    run_id = int(r["Location"].rstrip("/").split("/")[-1])
    r = officer.post(
        f"/planning/optimiser/{run_id}/whatif/", {"district_funds": "4000"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200 and "run-summary" in r.content.decode() and r["HX-Push-Url"]
    r = officer.post(f"/planning/optimiser/{run_id}/save/")
    assert r.status_code == 302
    assert 'id="saved"' in officer.get(f"/planning/optimiser/{run_id}/").content.decode()
    # a bad budget comes back as a message
    r = officer.post(
        "/planning/optimiser/",
        {"district": "330102", "plan_year": "2027", "district_funds": "x"},
        follow=True,
    )
    assert "不是有效金额" in r.content.decode()
    assert services.can_optimise(accounts["city"], divs["330102"])
