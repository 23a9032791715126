"""Delivery pages rendered and submitted through the Django test client (real multipart uploads)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from gaizao.delivery.models import Approval, ApprovalStatus, Contract, Finding, Stage
from tests.delivery.conftest import PLAN_ITEMS, code, pdf, png, record_all_approvals

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_home_lists_map_and_counts(started, accounts):
    c = client_for(accounts["shangcheng"])
    r = c.get("/delivery/")
    assert r.status_code == 200
    html = r.content.decode()
    assert started.project.name in html and 'id="started-completed"' in html
    features = c.get("/delivery/map.json").json()["features"]
    assert features[0]["properties"]["colour"].startswith("#")
    assert c.get("/delivery/export.xlsx").content[:2] == b"PK"
    assert client_for(accounts["resident"]).get("/delivery/").status_code == 404


def test_open_approvals_and_contract_through_the_pages(project, accounts, orgs):
    c = client_for(accounts["shangcheng"])
    assert project.name in c.get("/delivery/").content.decode()
    r = c.post("/delivery/open/", {"project_id": project.pk})
    assert r.status_code == 302
    delivery = project.delivery
    page = c.get(r["Location"]).content.decode()
    assert "施工图审查" in page and 'data-waive="drawing_review"' in page
    approval = Approval.objects.get(delivery=delivery, item_id="project_approval")
    r = c.post(
        f"/delivery/approvals/{approval.pk}/",
        {
            "document_number": "上发改〔2026〕8号",
            "issued_on": timezone.localdate().isoformat(),
            "file": pdf(),
        },
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.RECORDED
    assert c.get(f"/delivery/files/approval/{approval.pk}/").status_code == 200
    assert client_for(accounts["xihu"]).get(f"/delivery/files/approval/{approval.pk}/").status_code == 404
    waived = Approval.objects.get(delivery=delivery, item_id="drawing_review")
    c.post(
        f"/delivery/approvals/{waived.pk}/",
        {"action": "waive", "consultation": project.consultations.get().pk, "status": "waived"},
    )
    waived.refresh_from_db()
    assert waived.status == ApprovalStatus.WAIVED
    today = timezone.localdate().isoformat()
    r = c.post(
        f"/delivery/{delivery.pk}/contracts/",
        {
            "kind": "construction",
            "number": "SG-V-1",
            "party": orgs["builder"].pk,
            "amount": "-5",
            "signed_on": today,
            "starts_on": today,
            "ends_on": today,
        },
        follow=True,
    )
    assert "金额不能为负数" in r.content.decode()
    assert not Contract.objects.exists()


def test_phone_inspection_reply_and_review(started, accounts, orgs):
    street = client_for(accounts["qingbo"])
    r = street.get(f"/delivery/{started.pk}/inspect/?kind=safety")
    assert r.status_code == 200 and "脚手架搭设与防护" in r.content.decode()
    r = street.post(
        f"/delivery/{started.pk}/inspect/?kind=safety",
        {
            "kind": "safety",
            "check_scaffolding": "fail",
            "description": "脚手架缺防护网",
            "severity": "major",
            "photo": png(),
            "lon": "120.16",
            "lat": "30.24",
            "party": orgs["builder"].pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    finding = Finding.objects.get()
    assert street.get(f"/delivery/files/finding/{finding.pk}/").status_code == 200
    builder = client_for(accounts["builder"])
    page = builder.get(f"/delivery/{started.pk}/").content.decode()
    assert 'class="form reply-form"' in page
    builder.post(f"/delivery/orders/{finding.order.pk}/reply/", {"body": "已加设", "evidence": png()})
    page = street.get(f"/delivery/{started.pk}/").content.decode()
    assert 'class="form inline review-form"' in page
    street.post(f"/delivery/orders/{finding.order.pk}/review/", {"decision": "accept", "note": "合格"})
    finding.order.refresh_from_db()
    assert finding.order.state == "closed"


def test_a_non_image_photo_is_refused_on_the_page(started, accounts):
    street = client_for(accounts["qingbo"])
    r = street.post(
        f"/delivery/{started.pk}/inspect/",
        {"kind": "safety", "description": "x", "severity": "minor", "photo": pdf("x.jpg")},
    )
    assert r.status_code == 200 and "照片须为" in r.content.decode()
    assert not Finding.objects.exists()


def test_stage_buttons_follow_can_move(delivery, accounts, orgs):
    c = client_for(accounts["shangcheng"])
    page = c.get(f"/delivery/{delivery.pk}/").content.decode()
    assert 'data-move-blocked="started"' in page and 'data-move="started"' not in page
    record_all_approvals(delivery, accounts["shangcheng"])
    from tests.delivery.conftest import add_contracts

    add_contracts(delivery, accounts["shangcheng"], orgs)
    page = c.get(f"/delivery/{delivery.pk}/").content.decode()
    assert 'data-move="started"' in page
    c.post(f"/delivery/{delivery.pk}/move/", {"to": "started", "on": timezone.localdate().isoformat()})
    delivery.refresh_from_db()
    assert delivery.stage == Stage.STARTED
    # a contractor sees the page but no stage buttons
    page = client_for(accounts["builder"]).get(f"/delivery/{delivery.pk}/").content.decode()
    assert "data-move=" not in page and "data-move-blocked" not in page


def test_acceptance_form_and_word_record(started, accounts):
    c = client_for(accounts["shangcheng"])
    c.post(f"/delivery/{started.pk}/move/", {"to": "completed"})
    data = {"held_on": timezone.localdate().isoformat(), "conclusion": "合格"}
    roles = ["implementing", "contractor", "supervisor", "street", "resident", "building_lead"]
    for i, role in enumerate(roles):
        data[f"sig_role_{i}"] = role
        data[f"sig_name_{i}"] = f"{role}人"
    for item in PLAN_ITEMS:
        data[f"delivered_{item['item_id']}"] = item["quantity"]
        data[f"passed_{item['item_id']}"] = "on"
    c.post(f"/delivery/{started.pk}/acceptance/", data)
    started.refresh_from_db()
    assert started.stage == Stage.ACCEPTED
    r = c.get(f"/delivery/{started.pk}/acceptance.docx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert 'id="handover-form"' in c.get(f"/delivery/{started.pk}/").content.decode()


def test_organisations_page(accounts):
    c = client_for(accounts["shangcheng"])
    r = c.post(
        "/delivery/organisations/",
        {"name": "杭州测试建设公司", "credit_code": code("91330102MA2AY0123"), "kind": "contractor"},
        follow=True,
    )
    assert "杭州测试建设公司" in r.content.decode()
    r = c.post(
        "/delivery/organisations/",
        {"name": "坏代码", "credit_code": "123", "kind": "contractor"},
        follow=True,
    )
    assert "统一社会信用代码无效" in r.content.decode()
