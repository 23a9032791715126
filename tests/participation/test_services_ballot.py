from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.participation import selectors, services
from gaizao.participation.models import BallotStatus, RollEntry, Vote
from gaizao.registry.models import Unit

pytestmark = pytest.mark.django_db


def scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.png", b"\x89PNG fake", content_type="image/png")


def open_ballot(world, organiser, **kw):
    ballot = services.ballot_create(
        actor=organiser,
        community_id=world.community.pk,
        purpose="renovation_consent",
        project_ref="GZ-TEST",
        question="是否同意综合改造？",
        **kw,
    )
    return services.ballot_open(actor=organiser, ballot_id=ballot.pk)


def test_roll_is_frozen_with_area_source_and_counting(world, accounts):
    # given a roll whose developer holds one unit and one unit has only a contract area
    unit = world.units[0]
    unit.area_registered_m2 = None
    unit.area_contract_m2 = Decimal("77.70")
    unit.save()
    ballot = open_ballot(world, accounts["qingbomen"])
    entries = {e.unit_id: e for e in RollEntry.objects.filter(ballot=ballot)}
    assert len(entries) == 12
    assert entries[unit.pk].area_m2 == Decimal("77.70") and entries[unit.pk].area_source == "contract"
    assert entries[world.units[-1].pk].owner_key == "developer"
    # when the registry changes after opening, the frozen roll does not
    Unit.objects.filter(pk=unit.pk).update(area_contract_m2=Decimal("99"))
    tally = services.ballot_tally(ballot)
    assert tally.total_area == sum(e.area_m2 for e in entries.values())
    assert tally.total_owners == 12  # 11 owners + the developer once
    assert tally.matter == 7


def test_lifecycle_refuses_illegal_moves_and_audits(world, accounts):
    organiser = accounts["qingbomen"]
    ballot = services.ballot_create(
        actor=organiser,
        community_id=world.community.pk,
        purpose="plan_approval",
        project_ref="GZ-TEST",
        question="方案是否认可？",
    )
    with pytest.raises(StateError):
        services.ballot_close(actor=organiser, ballot_id=ballot.pk)
    with pytest.raises(StateError):
        services.ballot_publish(actor=organiser, ballot_id=ballot.pk)
    services.ballot_open(actor=organiser, ballot_id=ballot.pk)
    with pytest.raises(StateError):
        services.ballot_open(actor=organiser, ballot_id=ballot.pk)
    services.ballot_close(actor=organiser, ballot_id=ballot.pk)
    services.ballot_publish(actor=organiser, ballot_id=ballot.pk)
    with pytest.raises(StateError):
        services.ballot_close(actor=organiser, ballot_id=ballot.pk)
    from gaizao.audit.models import AuditEvent

    actions = list(
        AuditEvent.objects.filter(object_id=str(ballot.pk), action__startswith="ballot_")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["ballot_create", "ballot_open", "ballot_close", "ballot_publish"]


def test_one_open_ballot_per_matter_and_scope(world, accounts):
    organiser = accounts["qingbomen"]
    open_ballot(world, organiser)
    second = services.ballot_create(
        actor=organiser,
        community_id=world.community.pk,
        purpose="renovation_consent",
        project_ref="GZ-TEST",
        question="again",
    )
    with pytest.raises(StateError, match="already open"):
        services.ballot_open(actor=organiser, ballot_id=second.pk)
    # a stairwell vote on the same matter is another scope
    stair = services.ballot_create(
        actor=organiser,
        community_id=world.community.pk,
        purpose="elevator",
        question="加装电梯？",
        scope_kind="stairwell",
        building_id=world.building.pk,
        stairwell="1",
    )
    services.ballot_open(actor=organiser, ballot_id=stair.pk)
    assert RollEntry.objects.filter(ballot=stair).count() == 6


def test_other_district_cannot_create(world, accounts):
    with pytest.raises(PermissionError_):
        services.ballot_create(
            actor=accounts["xihu"], community_id=world.community.pk, purpose="other", question="q"
        )


def test_votes_replace_and_close_with_civil_code_result(world, accounts):
    organiser = accounts["qingbomen"]
    ballot = open_ballot(world, organiser)
    # given 10 of 12 owners vote yes (one changes their mind twice), developer by paper
    results = []
    for user in world.residents[:9]:
        results.append(services.vote_cast(actor=user, ballot_id=ballot.pk, choice="yes"))
    first = services.vote_cast(actor=world.residents[0], ballot_id=ballot.pk, choice="no")
    again = services.vote_cast(actor=world.residents[0], ballot_id=ballot.pk, choice="yes")
    assert first.replaced and again.replaced
    services.vote_cast(
        actor=organiser,
        ballot_id=ballot.pk,
        owner_id=world.developer.pk,
        choice="yes",
        channel="paper",
        serial_number="P-001",
        scan=scan(),
    )
    services.vote_cast(
        actor=organiser,
        ballot_id=ballot.pk,
        owner_id=world.owners[9].pk,
        choice="abstain",
        channel="door_to_door",
        witness_name="王见证",
        scan=scan(),
    )
    assert Vote.objects.filter(ballot=ballot).count() == 13
    assert Vote.objects.filter(ballot=ballot, is_current=True).count() == 11
    # organisers do not see choices while open
    view = selectors.tally_view(organiser, ballot)
    assert not view["visible"] and len(view["bars"]) == 2
    closed = services.ballot_close(actor=organiser, ballot_id=ballot.pk)
    assert closed.quorum_met and closed.approved
    codes = [r["code"] for r in closed.result["reasons"]]
    assert "vote.approved" in codes and closed.result["participating_owners"] == 11
    # papers after closing are refused
    with pytest.raises(StateError):
        services.vote_cast(actor=world.residents[10], ballot_id=ballot.pk, choice="yes")
    # the receipt of the replaced paper says so, the current one is counted
    assert selectors.receipt_check(first.receipt).replaced
    assert selectors.receipt_check(again.receipt).counted
    outcome = selectors.latest_ballot_outcome(community_id=world.community.pk, purpose="renovation_consent")
    assert outcome is not None and outcome.approved and outcome.matter == 7 and outcome.status == "closed"


def test_chain_detects_tampering(world, accounts):
    organiser = accounts["qingbomen"]
    ballot = open_ballot(world, organiser)
    for user in world.residents[:5]:
        services.vote_cast(actor=user, ballot_id=ballot.pk, choice="yes")
    services.ballot_close(actor=organiser, ballot_id=ballot.pk)
    ballot.refresh_from_db()
    check = services.chain_verify(ballot)
    assert check.ok and check.count == 5
    Vote.objects.filter(ballot=ballot, seq=3).update(choice="no")
    check = services.chain_verify(ballot)
    assert not check.ok and any("paper 3" in p for p in check.problems)
    with pytest.raises(StateError):
        services.ballot_publish(actor=organiser, ballot_id=ballot.pk)


def test_channels_need_their_evidence(world, accounts):
    organiser = accounts["qingbomen"]
    ballot = open_ballot(world, organiser)
    owner = world.owners[0].pk
    with pytest.raises(ApplicationError) as err:
        services.vote_cast(
            actor=organiser,
            ballot_id=ballot.pk,
            owner_id=owner,
            choice="yes",
            channel="paper",
            serial_number="1",
        )
    assert err.value.field == "scan"
    with pytest.raises(ApplicationError) as err:
        services.vote_cast(
            actor=organiser, ballot_id=ballot.pk, owner_id=owner, choice="yes", channel="door_to_door"
        )
    assert err.value.field == "witness_name"
    with pytest.raises(ApplicationError) as err:
        services.vote_cast(
            actor=organiser,
            ballot_id=ballot.pk,
            owner_id=owner,
            choice="yes",
            channel="door_to_door",
            witness_name="王见证",
        )
    assert err.value.field == "scan"
    with pytest.raises(ApplicationError) as err:
        services.vote_cast(
            actor=organiser,
            ballot_id=ballot.pk,
            owner_id=owner,
            choice="yes",
            channel="proxy",
            proxy_name="李代理",
        )
    assert err.value.field == "proxy_authorisation"
    ok = services.vote_cast(
        actor=organiser,
        ballot_id=ballot.pk,
        owner_id=owner,
        choice="yes",
        channel="proxy",
        proxy_name="李代理",
        proxy_authorisation=scan(),
    )
    assert ok.vote.proxy_authorisation
    # an owner cannot vote for another owner online
    with pytest.raises(PermissionError_):
        services.vote_cast(actor=world.residents[1], ballot_id=ballot.pk, owner_id=owner, choice="no")
    # an organiser of another district cannot enter papers
    with pytest.raises(PermissionError_):
        services.vote_cast(
            actor=accounts["xihu"],
            ballot_id=ballot.pk,
            owner_id=owner,
            choice="no",
            channel="door_to_door",
            witness_name="x",
            scan=scan(),
        )


def test_roll_correction_is_recorded_after_a_second_approval(world, accounts):
    organiser, street = accounts["qingbomen"], accounts["qingbo"]
    ballot = open_ballot(world, organiser)
    entry = RollEntry.objects.filter(ballot=ballot).first()
    with pytest.raises(ApplicationError):
        services.roll_correction_propose(actor=organiser, entry_id=entry.pk, reason="", area_m2="60")
    proposal = services.roll_correction_propose(
        actor=organiser, entry_id=entry.pk, reason="不动产登记簿更正", area_m2="60.5"
    )
    entry.refresh_from_db()
    assert entry.area_m2 != Decimal("60.50") and not entry.corrected  # nothing changes on a proposal
    with pytest.raises(PermissionError_):  # the proposer cannot approve their own correction
        services.roll_correction_approve(actor=organiser, proposal_id=proposal.pk)
    services.roll_correction_approve(actor=street, proposal_id=proposal.pk)
    entry.refresh_from_db()
    assert entry.area_m2 == Decimal("60.50") and entry.corrected and entry.area_source == "correction"
    rows = selectors.roll(organiser, ballot)
    corrected = next(r for r in rows if r["id"] == entry.pk)
    assert corrected["corrections"][0]["reason"] == "不动产登记簿更正"
    assert corrected["corrections"][0]["approved_by"] == (street.display_name or street.username)
    with pytest.raises(StateError):  # approved once: final
        services.roll_correction_approve(actor=accounts["city"], proposal_id=proposal.pk)


def test_outstanding_list_masks_names(world, accounts):
    ballot = open_ballot(world, accounts["qingbomen"])
    services.vote_cast(actor=world.residents[0], ballot_id=ballot.pk, choice="yes")
    rows = selectors.outstanding(accounts["city"], ballot)
    assert len(rows) == 11
    assert all("*" in r["name"] for r in rows if not r["developer"])
    assert selectors.outstanding(accounts["qingbomen"], ballot)[0]["name"].startswith("业主")


def test_ballot_status_values():
    assert set(services.TRANSITIONS) == set(BallotStatus.values)


def test_papers_only_inside_the_voting_period(world, accounts):
    import datetime as dt

    from django.utils import timezone

    organiser = accounts["qingbomen"]
    ballot = open_ballot(
        world,
        organiser,
        opens_at=timezone.now() + dt.timedelta(hours=1),
        closes_at=timezone.now() + dt.timedelta(days=7),
    )
    with pytest.raises(StateError, match="not started"):
        services.vote_cast(actor=world.residents[0], ballot_id=ballot.pk, choice="yes")
    ballot.opens_at = timezone.now() - dt.timedelta(days=8)
    ballot.closes_at = timezone.now() - dt.timedelta(days=1)
    ballot.save()
    with pytest.raises(StateError, match="has ended"):
        services.vote_cast(actor=world.residents[0], ballot_id=ballot.pk, choice="yes")


def test_stairwell_roll_counts_one_buyer_once(world, accounts):
    # given the owner of unit 1 also owns unit 2 of the same stairwell
    unit = world.units[1]
    unit.owner = world.owners[0]
    unit.save()
    ballot = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="elevator",
        question="加装电梯？",
        scope_kind="stairwell",
        building_id=world.building.pk,
        stairwell="1",
    )
    ballot = services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    tally = services.ballot_tally(ballot)
    assert tally.unit_count == 6 and tally.total_owners == 5
    assert any("合并 1" in r.message for r in tally.reasons)


def test_job_closes_ballots_past_their_closing_time(world, accounts, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    organiser = accounts["qingbomen"]
    due = open_ballot(world, organiser)
    Ballot = type(due)
    Ballot.objects.filter(pk=due.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    client = Client()
    client.force_login(organiser)
    assert "(1)" in client.get("/participation/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/participation/ballots/close-due/")
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    due.refresh_from_db()
    assert due.status == BallotStatus.CLOSED and due.result["reasons"]
    assert client.get(response["Location"]).status_code == 200
