"""Roll corrections after a ballot opens need a second person (issue 18): a correction is proposed with a reason,
changes nothing, and takes effect only when another authorised account approves it — through the pages and the
API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from gaizao.audit.models import AuditEvent
from gaizao.participation import services
from gaizao.participation.models import RollCorrection, RollCorrectionProposal, RollEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/participation"


@pytest.fixture
def ballot(world, accounts):
    b = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="other",
        matter=9,
        question="是否同意更换单元门？",
    )
    return services.ballot_open(actor=accounts["qingbomen"], ballot_id=b.pk)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_proposal_waits_for_another_account_and_then_applies(ballot, accounts):
    entry = RollEntry.objects.filter(ballot=ballot).order_by("unit_label").first()
    community, street = client_for(accounts["qingbomen"]), client_for(accounts["qingbo"])
    # given the community proposes a correction with its reason
    roll_url = f"/participation/ballots/{ballot.pk}/roll/"
    response = community.post(roll_url, {"entry_id": entry.pk, "area_m2": "88.80", "reason": "实测面积"})
    assert response.status_code == 302
    proposal = RollCorrectionProposal.objects.get(entry=entry)
    entry.refresh_from_db()
    assert proposal.status == "pending" and entry.area_m2 != Decimal("88.80") and not entry.corrected
    assert AuditEvent.objects.filter(action="roll_correction_propose", reason="实测面积").exists()
    # the roll page lists it as pending; the proposer sees no approve button, another organiser does
    decide_url = f"/participation/ballots/{ballot.pk}/roll/corrections/{proposal.pk}/"
    own_page = community.get(roll_url).content.decode()
    assert f'data-proposal="{proposal.pk}" data-status="pending"' in own_page and "实测面积" in own_page
    assert 'value="approve"' not in own_page
    assert 'value="approve"' in street.get(roll_url).content.decode()
    # when the proposer approves it anyway, it stays pending
    community.post(decide_url, {"action": "approve"})
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    # when the street approves it, the roll changes and the correction names both accounts
    assert street.post(decide_url, {"action": "approve"}).status_code == 302
    proposal.refresh_from_db()
    entry.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == accounts["qingbo"]
    assert entry.area_m2 == Decimal("88.80") and entry.corrected and entry.area_source == "correction"
    correction = RollCorrection.objects.get(entry=entry, field="area_m2")
    assert correction.actor == accounts["qingbomen"] and correction.approved_by == accounts["qingbo"]
    assert correction.reason == "实测面积"
    assert AuditEvent.objects.filter(action="roll_correct", actor=accounts["qingbo"]).exists()


def test_api_propose_approve_and_reject(ballot, accounts, world):
    entries = list(RollEntry.objects.filter(ballot=ballot).exclude(owner_id=None).order_by("unit_label")[:2])
    community, street = client_for(accounts["qingbomen"]), client_for(accounts["qingbo"])
    base = f"{API}/ballots/{ballot.pk}/roll"
    # a proposal without a reason is refused, naming the reason
    response = community.post(
        f"{base}/{entries[0].pk}/correct", {"reason": "", "area_m2": "70"}, content_type="application/json"
    )
    assert response.status_code == 400 and "reason" in response.json()["message"]
    new_owner = world.owners[-1]
    response = community.post(
        f"{base}/{entries[0].pk}/correct",
        {"reason": "过户登记", "owner_id": new_owner.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert proposal["status"] == "pending" and proposal["owner_id"] == new_owner.pk
    assert proposal["can_approve"] is False and proposal["can_reject"] is True
    # a second proposal for the same entry waits for the first
    again = community.post(
        f"{base}/{entries[0].pk}/correct",
        {"reason": "再次", "area_m2": "71"},
        content_type="application/json",
    )
    assert again.status_code == 409
    pending = street.get(f"{base}/corrections?pending=true").json()
    assert [p["id"] for p in pending] == [proposal["id"]] and pending[0]["can_approve"] is True
    # the proposer's own approval is refused with 403
    own = community.post(f"{base}/corrections/{proposal['id']}/approve", {}, content_type="application/json")
    assert own.status_code == 403 and own.json()["code"] == "roll.same_approver"
    # a reader in scope cannot approve
    reader = client_for(accounts["ndrc"]).post(
        f"{base}/corrections/{proposal['id']}/approve", {}, content_type="application/json"
    )
    assert reader.status_code == 403
    # another organiser of another district does not see it
    other = client_for(accounts["xihu"]).post(
        f"{base}/corrections/{proposal['id']}/approve", {}, content_type="application/json"
    )
    assert other.status_code == 404
    approved = street.post(
        f"{base}/corrections/{proposal['id']}/approve", {}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    entries[0].refresh_from_db()
    assert entries[0].owner_id == new_owner.pk and entries[0].owner_key == str(new_owner.pk)
    # a rejected proposal changes nothing and cannot be approved afterwards
    second = community.post(
        f"{base}/{entries[1].pk}/correct",
        {"reason": "误报", "area_m2": "99"},
        content_type="application/json",
    ).json()
    rejected = street.post(
        f"{base}/corrections/{second['id']}/reject", {"note": "面积无误"}, content_type="application/json"
    )
    assert rejected.status_code == 200 and rejected.json()["decision_note"] == "面积无误"
    late = client_for(accounts["city"]).post(
        f"{base}/corrections/{second['id']}/approve", {}, content_type="application/json"
    )
    assert late.status_code == 409
    entries[1].refresh_from_db()
    assert entries[1].area_m2 != Decimal("99") and not entries[1].corrected


# --- issue 18: a proposal still pending when the ballot closes lapses -------------------------------------------------


def _propose(client: Client, ballot, entry, area: str = "77.70", reason: str = "实测面积") -> dict:
    response = client.post(
        f"{API}/ballots/{ballot.pk}/roll/{entry.pk}/correct",
        {"reason": reason, "area_m2": area},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_closing_through_the_api_lapses_pending_proposals(ballot, accounts):
    entries = list(RollEntry.objects.filter(ballot=ballot).order_by("unit_label")[:2])
    community, street = client_for(accounts["qingbomen"]), client_for(accounts["qingbo"])
    pending = _propose(community, ballot, entries[0])
    decided = _propose(community, ballot, entries[1], area="66.60", reason="误报")
    assert (
        street.post(
            f"{API}/ballots/{ballot.pk}/roll/corrections/{decided['id']}/reject",
            {"note": "无误"},
            content_type="application/json",
        ).status_code
        == 200
    )
    # when the ballot closes with one proposal still pending
    closed = community.post(
        f"{API}/ballots/{ballot.pk}/transition", {"action": "close"}, content_type="application/json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    # then the pending one has lapsed with its reason, and the decided one keeps its decision
    rows = {r["id"]: r for r in street.get(f"{API}/ballots/{ballot.pk}/roll/corrections").json()}
    assert rows[pending["id"]]["status"] == "lapsed" and "截止" in rows[pending["id"]]["decision_note"]
    assert rows[pending["id"]]["can_approve"] is False and rows[pending["id"]]["can_reject"] is False
    assert rows[decided["id"]]["status"] == "rejected" and rows[decided["id"]]["decision_note"] == "无误"
    assert street.get(f"{API}/ballots/{ballot.pk}/roll/corrections?pending=true").json() == []
    event = AuditEvent.objects.get(action="roll_correction_lapse")
    assert event.actor == accounts["qingbomen"] and "lapsed" in event.reason
    assert event.changes["proposal"] == ["pending", "lapsed"]
    # approving (or rejecting) the lapsed proposal is refused with a clear 409 naming the unit and the status
    late = street.post(
        f"{API}/ballots/{ballot.pk}/roll/corrections/{pending['id']}/approve",
        {},
        content_type="application/json",
    )
    assert late.status_code == 409 and late.json()["code"] == "roll.correction_lapsed"
    assert entries[0].unit_label in late.json()["message"] and "失效" in late.json()["message"]
    refused = street.post(
        f"{API}/ballots/{ballot.pk}/roll/corrections/{pending['id']}/reject",
        {"note": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "roll.correction_lapsed"
    entries[0].refresh_from_db()
    assert entries[0].area_m2 != Decimal("77.70") and not entries[0].corrected


def test_roll_page_shows_a_lapsed_proposal_and_refuses_its_approval(ballot, accounts):
    entry = RollEntry.objects.filter(ballot=ballot).order_by("unit_label").first()
    community, street = client_for(accounts["qingbomen"]), client_for(accounts["qingbo"])
    roll_url = f"/participation/ballots/{ballot.pk}/roll/"
    assert (
        community.post(roll_url, {"entry_id": entry.pk, "area_m2": "88.80", "reason": "实测面积"}).status_code
        == 302
    )
    proposal = RollCorrectionProposal.objects.get(entry=entry)
    services.ballot_close(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    page = street.get(roll_url).content.decode()
    assert f'data-proposal="{proposal.pk}" data-status="lapsed"' in page and "已失效" in page
    assert 'value="approve"' not in page and 'value="reject"' not in page
    decide_url = f"/participation/ballots/{ballot.pk}/roll/corrections/{proposal.pk}/"
    followed = street.post(decide_url, {"action": "approve"}, follow=True).content.decode()
    assert "已因表决截止而失效" in followed
    proposal.refresh_from_db()
    assert proposal.status == "lapsed"


def test_scheduled_close_of_overdue_ballots_lapses_pending_proposals(ballot, accounts):
    import datetime as dt

    from django.utils import timezone

    from gaizao.errors import StateError

    entry = RollEntry.objects.filter(ballot=ballot).order_by("unit_label").first()
    proposal = services.roll_correction_propose(
        actor=accounts["qingbomen"], entry_id=entry.pk, reason="实测面积", area_m2="55.50"
    )
    type(ballot).objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.ballots_close_overdue() == [ballot.pk]
    proposal.refresh_from_db()
    assert proposal.status == "lapsed" and proposal.decided_by is None and proposal.decided_at is not None
    event = AuditEvent.objects.get(action="roll_correction_lapse")
    assert event.actor is None and event.reason == proposal.decision_note
    with pytest.raises(StateError) as refused:
        services.roll_correction_approve(actor=accounts["qingbo"], proposal_id=proposal.pk)
    assert refused.value.code == "roll.correction_lapsed"


def test_close_due_job_lapses_pending_proposals(ballot, accounts, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    entry = RollEntry.objects.filter(ballot=ballot).order_by("unit_label").first()
    community = client_for(accounts["qingbomen"])
    proposal = _propose(community, ballot, entry)
    type(ballot).objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = community.post("/participation/ballots/close-due/")
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert RollCorrectionProposal.objects.get(pk=proposal["id"]).status == "lapsed"
