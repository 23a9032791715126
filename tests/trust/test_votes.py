"""Votes stay the owner's: an online vote is replaced only by the owner or by a scanned paper flagged for review,
the owner is told of every paper entered for them, evidence is required, names are masked per role and the chain
is keyed (issue 18, "Silent replacement of an owner's vote", "Names in the audit history", "no key")."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gaizao.accounts.models import Notice
from gaizao.errors import ApplicationError, StateError
from gaizao.participation import chain, selectors, services
from gaizao.participation.models import Vote


def scan(name: str = "paper.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n signed", content_type="image/png")


@pytest.fixture
def ballot(world, accounts):
    b = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="other",
        matter=7,
        question="是否同意综合改造？",
    )
    return services.ballot_open(actor=accounts["qingbomen"], ballot_id=b.pk)


def test_a_door_to_door_entry_cannot_replace_the_owners_own_vote(world, accounts, ballot):
    owner, user = world.owners[0], world.residents[0]
    services.vote_cast(actor=user, ballot_id=ballot.pk, choice="no")
    with pytest.raises(StateError) as err:
        services.vote_cast(
            actor=accounts["qingbomen"],
            ballot_id=ballot.pk,
            owner_id=owner.pk,
            choice="yes",
            channel="door_to_door",
            witness_name="王见证",
            scan=scan(),
        )
    assert err.value.field == "channel"
    with pytest.raises(StateError):
        services.vote_cast(
            actor=accounts["qingbomen"],
            ballot_id=ballot.pk,
            owner_id=owner.pk,
            choice="yes",
            channel="proxy",
            proxy_name="李代理",
            proxy_authorisation=scan("auth.pdf"),
        )
    assert Vote.objects.get(ballot=ballot, owner=owner, is_current=True).choice == "no"


def test_a_scanned_paper_replaces_it_flagged_for_review_and_the_owner_sees_it(world, accounts, ballot):
    owner, user = world.owners[0], world.residents[0]
    services.vote_cast(actor=user, ballot_id=ballot.pk, choice="no")
    result = services.vote_cast(
        actor=accounts["qingbomen"],
        ballot_id=ballot.pk,
        owner_id=owner.pk,
        choice="yes",
        channel="paper",
        serial_number="P-1",
        scan=scan(),
    )
    assert result.replaced and result.vote.needs_review
    notice = Notice.objects.get(user=user)
    assert notice.kind == "paper_entered" and "待复核" in notice.text
    client = Client()
    client.force_login(user)
    page = client.get("/participation/").content.decode()
    assert 'data-notice="paper_entered"' in page and 'id="papers-for-me"' in page
    # the owner may still replace the paper with their own vote
    again = services.vote_cast(actor=user, ballot_id=ballot.pk, choice="no")
    assert again.replaced and not again.vote.needs_review


def test_every_paper_entered_for_an_owner_is_notified(world, accounts, ballot):
    owner, user = world.owners[2], world.residents[2]
    services.vote_cast(
        actor=accounts["qingbomen"],
        ballot_id=ballot.pk,
        owner_id=owner.pk,
        choice="yes",
        channel="door_to_door",
        witness_name="王见证",
        scan=scan(),
    )
    assert Notice.objects.filter(user=user, kind="paper_entered").count() == 1
    assert not Vote.objects.get(ballot=ballot, owner=owner).needs_review


def test_door_to_door_needs_the_signed_scan(world, accounts, ballot):
    with pytest.raises(ApplicationError) as err:
        services.vote_cast(
            actor=accounts["qingbomen"],
            ballot_id=ballot.pk,
            owner_id=world.owners[0].pk,
            choice="yes",
            channel="door_to_door",
            witness_name="王见证",
        )
    assert err.value.field == "scan"


def test_entries_with_files_go_through_the_api_as_multipart(world, accounts, ballot):
    client = Client()
    client.force_login(accounts["qingbomen"])
    response = client.post(
        f"/api/v1/participation/ballots/{ballot.pk}/entries",
        {
            "owner_id": world.owners[3].pk,
            "choice": "yes",
            "channel": "proxy",
            "proxy_name": "李代理",
            "proxy_authorisation": scan("auth.pdf"),
        },
    )
    assert response.status_code == 201, response.content
    response = client.post(
        f"/api/v1/participation/ballots/{ballot.pk}/entries",
        {
            "owner_id": world.owners[4].pk,
            "choice": "no",
            "channel": "paper",
            "serial_number": "P-9",
            "scan": scan(),
        },
    )
    assert response.status_code == 201, response.content


def test_history_masks_owners_names_outside_personal_data_roles(world, accounts, ballot):
    user = world.residents[0]
    user.display_name = "王小明"
    user.save()
    services.vote_cast(actor=user, ballot_id=ballot.pk, choice="yes")
    url = f"/history/participation.ballot/{ballot.pk}/"
    for name, shown in (("ndrc", "王**"), ("qingbomen", "王小明")):
        client = Client()
        client.force_login(accounts[name])
        page = client.get(url).content.decode()
        assert shown in page, name
        if shown != "王小明":
            assert "王小明" not in page


def test_witness_and_proxy_names_are_masked_outside_personal_data_roles(world, accounts, ballot):
    services.vote_cast(
        actor=accounts["qingbomen"],
        ballot_id=ballot.pk,
        owner_id=world.owners[0].pk,
        choice="yes",
        channel="door_to_door",
        witness_name="王见证",
        scan=scan(),
    )
    (row,) = selectors.votes_history(accounts["ndrc"], ballot)
    assert row["witness_name"] == "王**"
    (row,) = selectors.votes_history(accounts["qingbomen"], ballot)
    assert row["witness_name"] == "王见证"


def test_the_chain_is_keyed(world, accounts, ballot, settings):
    for user in world.residents[:3]:
        services.vote_cast(actor=user, ballot_id=ballot.pk, choice="yes")
    ballot.refresh_from_db()
    assert services.chain_verify(ballot).ok
    # someone who can write the database but lacks the key rebuilds paper 2 with plain SHA-256: detected
    v = Vote.objects.get(ballot=ballot, seq=2)
    payload = {
        "ballot": ballot.pk,
        "seq": 2,
        "owner": v.owner_key,
        "choice": "no",
        "channel": v.channel,
        "cast_at": chain.canonical_time(v.cast_at),
        "receipt": v.receipt_digest,
        "replaces": None,
        "prev": v.prev_hash,
    }
    forged = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    Vote.objects.filter(pk=v.pk).update(choice="no", hash=forged)
    assert not services.chain_verify(ballot).ok
    # and the same chain does not verify under another key
    Vote.objects.filter(pk=v.pk).update(choice=v.choice, hash=v.hash)
    assert services.chain_verify(ballot).ok
    settings.GAIZAO_CHAIN_KEY = "another-key"
    assert not services.chain_verify(ballot).ok


def test_rotating_the_chain_key_re_signs_chain_and_published_head(world, accounts, ballot, settings):
    for user in world.residents[:3]:
        services.vote_cast(actor=user, ballot_id=ballot.pk, choice="yes")
    closed = services.ballot_close(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    old_head = closed.result["chain_head"]
    old_key = str(settings.GAIZAO_CHAIN_KEY)
    settings.GAIZAO_CHAIN_KEY = "rotated-key"
    ballot.refresh_from_db()
    assert not services.chain_verify(ballot).ok
    check = services.ballot_chain_resign(ballot_id=ballot.pk, old_key=old_key.encode())
    ballot.refresh_from_db()
    assert check.ok and ballot.result["chain_head"] == ballot.chain_head != old_head
    # a chain that does not verify under the "old" key is refused
    with pytest.raises(StateError):
        services.ballot_chain_resign(ballot_id=ballot.pk, old_key=b"wrong")
