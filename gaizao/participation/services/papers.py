"""Ballot papers (votes): one current paper per owner on a hash chain, and the verification and key rotation of
that chain."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.accounts.models import User
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, NotFoundError, PermissionError_, StateError
from gaizao.participation.chain import ChainCheck, genesis_hash, new_receipt_code, receipt_digest, vote_hash
from gaizao.participation.models import Ballot, BallotStatus, Channel, Choice, RollEntry, Vote
from gaizao.participation.services._append import append_paper
from gaizao.participation.services._common import (
    _check_upload,
    _locked_ballot,
    owner_of,
    stored_name,
    with_retry,
)
from gaizao.participation.services.roll import ballot_tally
from gaizao.registry.models import Owner


def _require_open(ballot: Ballot) -> None:
    if ballot.status != BallotStatus.OPEN:
        raise StateError(
            "表决未在进行中，选票不予接受。/ The ballot is not open; the paper is refused.", field="status"
        )
    now = timezone.now()
    if ballot.opens_at and now < ballot.opens_at:
        raise StateError("表决尚未开始。/ The voting period has not started yet.", field="opens_at")
    if ballot.closes_at and now > ballot.closes_at:
        raise StateError("表决已过截止时间。/ The voting period has ended.", field="closes_at")


@dataclass(frozen=True)
class CastResult:
    vote: Vote
    receipt: str
    replaced: bool


#: The columns a paper reads with its roll entry: the owner key, the ballot's state and period, what the audit
#: record shows of the ballot (question, community name, division path) and what the write permission checks.
PAPER_FIELDS = (
    "owner_key",
    "owner_id",
    "ballot__status",
    "ballot__opens_at",
    "ballot__closes_at",
    "ballot__question",
    "ballot__community__name",
    "ballot__community__division__path",
)


def _cast_once(
    *,
    actor: User,
    ballot_id: int,
    owner_id: int,
    choice: str,
    channel: str,
    serial_number: str,
    scan: UploadedFile | None,
    witness_name: str,
    proxy_name: str,
    proxy_authorisation: UploadedFile | None,
) -> CastResult:
    with transaction.atomic():
        # Everything that does not need the ballot's lock happens first; the lock is taken by the one statement
        # that appends the paper to the chain (``_append``), right before the commit.
        entry = (
            RollEntry.objects.select_related("ballot__community__division")
            .filter(ballot_id=ballot_id, owner_id=owner_id)
            # only what a paper needs: the wide community and division rows cost more to read than to fetch
            .only(*PAPER_FIELDS)
            .order_by("pk")
            .first()
        )
        if entry is None:
            if channel == Channel.ONLINE:
                raise NotFoundError("您不在本次表决名册上。/ You are not on the roll of this ballot.")
            ballot = Ballot.objects.select_related("community__division").filter(pk=ballot_id).first()
            if ballot is None:
                raise NotFoundError("表决不存在。/ Ballot not found.")
            require_write(actor, ballot.community.division)
            raise ApplicationError(
                "该业主不在本次表决名册上。/ owner_id: the owner is not on this roll.", field="owner_id"
            )
        ballot = entry.ballot
        if channel != Channel.ONLINE:
            require_write(actor, ballot.community.division)
        _require_open(ballot)
        owner_key = entry.owner_key
        # The previous paper's row lock serialises two devices of one owner; when neither has a paper yet, the
        # "one current paper per owner" constraint refuses the second and vote_cast retries it.
        previous = (
            Vote.objects.select_for_update(of=("self",))
            .filter(ballot=ballot, owner_key=owner_key, is_current=True)
            .only("pk", "seq", "is_current", "channel", "needs_review")
            .order_by()  # the model's ordering would join the ballot (and order by its columns) for nothing
            .first()
        )
        needs_review = _check_replacement(previous, channel)
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        receipt = new_receipt_code()
        digest = receipt_digest(receipt)
        vote = Vote(
            ballot=ballot,
            owner_id=owner_id,
            owner_key=owner_key,
            choice=choice,
            channel=channel,
            recorded_by=actor,
            serial_number=serial_number,
            witness_name=witness_name,
            proxy_name=proxy_name,
            replaces=previous,
            receipt_digest=digest,
            needs_review=needs_review,
        )
        tag = secrets.token_hex(4)
        if scan is not None:
            vote.scan.save(stored_name(f"ballot{ballot.pk}-{tag}", scan.name), scan, save=False)
        if proxy_authorisation is not None:
            vote.proxy_authorisation.save(
                stored_name(f"ballot{ballot.pk}-{tag}", proxy_authorisation.name),
                proxy_authorisation,
                save=False,
            )
        audit_record(
            actor=actor,
            action="vote_record",
            obj=ballot,
            # the choice stays out of the audit trail: organisers must not learn it while the vote is secret
            changes={"channel": [None, channel], "replaces": [None, previous.seq if previous else None]},
        )
        vote.cast_at = timezone.now()
        if not append_paper(vote, replaces_seq=previous.seq if previous else None):
            # closed (or past its closing time) since the check above: nothing of this paper is kept
            _require_open(Ballot.objects.get(pk=ballot.pk))
            raise StateError(
                "表决未在进行中，选票不予接受。/ The ballot is not open; the paper is refused.",
                field="status",
            )
        if channel != Channel.ONLINE:
            _notify_owner_of_paper(ballot=ballot, vote=vote, replaced_own_vote=needs_review)
        return CastResult(vote=vote, receipt=receipt, replaced=previous is not None)


def _check_replacement(previous: Vote | None, channel: str) -> bool:
    """Whether a new paper may replace ``previous``; returns whether it must be flagged for review.

    The owner's own online vote (or a paper already flagged for replacing one) is replaced only by the owner
    online, or by a paper ballot that carries the signed scan — that paper is flagged for review. Door-to-door and
    proxy entries never replace it.
    """
    if previous is None or channel == Channel.ONLINE:
        return False
    if previous.channel != Channel.ONLINE and not previous.needs_review:
        return False
    if channel != Channel.PAPER:
        raise StateError(
            "该业主已本人在线投票；入户或委托表决不能替代本人的选票，只有业主本人或附扫描件的纸质票（将标记待复核）可以替代。"
            "/ The owner has voted online themself; a door-to-door or proxy entry cannot replace it — only the owner, "
            "or a paper ballot with its scan (flagged for review), can.",
            field="channel",
        )
    return True


def _notify_owner_of_paper(*, ballot: Ballot, vote: Vote, replaced_own_vote: bool) -> None:
    """Tell the owner (when they have an account) that a paper was entered on their behalf; the owner's page
    lists every such paper as well (``selectors.papers_for_owner``)."""
    from gaizao.accounts.services import notice_send

    user_id = Owner.objects.filter(pk=vote.owner_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return
    user = User.objects.get(pk=user_id)
    channel = Channel(vote.channel).label
    choice = Choice(vote.choice).label
    extra = (
        "它替代了您本人的在线投票，已标记待复核。/ It replaced your own online vote and is flagged for review. "
        if replaced_own_vote
        else ""
    )
    notice_send(
        user=user,
        kind="paper_entered",
        text=f"社区工作人员为您录入了一张选票（{channel}，{choice}），表决：{ballot.question}。{extra}"
        "如非您本人的意愿，请联系社区或在表决期内在线重新投票。/ A paper was entered on your behalf "
        f"({channel}, {choice}) in the ballot “{ballot.question}”. If this was not your will, contact your "
        "community or vote again online while the ballot is open.",
        link=f"/participation/ballots/{ballot.pk}/",
    )


def vote_cast(
    *,
    actor: User,
    ballot_id: int,
    owner_id: int | None = None,
    choice: str,
    channel: str = Channel.ONLINE,
    serial_number: str = "",
    scan: UploadedFile | None = None,
    witness_name: str = "",
    proxy_name: str = "",
    proxy_authorisation: UploadedFile | None = None,
) -> CastResult:
    """Record one ballot paper. A later paper of the same owner replaces the earlier one (both stay in history).

    Online papers are cast by the owner themself; paper, door-to-door and proxy papers are entered by the organiser
    (paper: serial number and scan; door-to-door: a witness; proxy: the proxy's name and the signed authorisation).
    """
    if choice not in Choice.values:
        raise ApplicationError(
            "选择须为同意、反对或弃权。/ choice must be yes, no or abstain.", field="choice"
        )
    if channel not in Channel.values:
        raise ApplicationError(
            "渠道须为 online、paper、door_to_door 或 proxy。/ channel must be online, paper, door_to_door or proxy.",
            field="channel",
        )
    serial_number = (serial_number or "").strip()[:40]
    witness_name = (witness_name or "").strip()[:100]
    proxy_name = (proxy_name or "").strip()[:100]
    if channel == Channel.ONLINE:
        own = owner_of(actor)
        if own is None:
            raise PermissionError_("只有登记的业主可以在线投票。/ Only registered owners vote online.")
        if owner_id is not None and int(owner_id) != own.pk:
            raise PermissionError_("只能为本人投票。/ Owners vote only for themselves.")
        owner_id = own.pk
    if owner_id is None:
        raise ApplicationError("请选择业主。/ owner_id is required.", field="owner_id")
    if channel == Channel.PAPER:
        if not serial_number:
            raise ApplicationError(
                "纸质票须填写编号。/ A paper ballot needs its serial number.", field="serial_number"
            )
        if scan is None:
            raise ApplicationError(
                "纸质票须上传扫描件。/ A paper ballot needs its scanned image.", field="scan"
            )
    if channel == Channel.DOOR_TO_DOOR:
        if not witness_name:
            raise ApplicationError(
                "入户表决须填写见证人。/ A door-to-door ballot needs a witness.", field="witness_name"
            )
        if scan is None:
            raise ApplicationError(
                "入户表决须上传业主签字的表决票扫描件。/ A door-to-door ballot needs the scan of the paper the owner "
                "signed.",
                field="scan",
            )
    if channel == Channel.PROXY:
        if not proxy_name:
            raise ApplicationError(
                "委托表决须填写代理人。/ A proxy ballot needs the proxy's name.", field="proxy_name"
            )
        if proxy_authorisation is None:
            raise ApplicationError(
                "委托表决须上传授权委托书。/ A proxy ballot needs the signed authorisation.",
                field="proxy_authorisation",
            )
    _check_upload(scan, "scan", "扫描件", "The scan")
    _check_upload(proxy_authorisation, "proxy_authorisation", "授权委托书", "The authorisation")
    oid = int(owner_id)
    return with_retry(
        lambda: _cast_once(
            actor=actor,
            ballot_id=ballot_id,
            owner_id=oid,
            choice=choice,
            channel=channel,
            serial_number=serial_number,
            scan=scan,
            witness_name=witness_name,
            proxy_name=proxy_name,
            proxy_authorisation=proxy_authorisation,
        )
    )


def chain_verify(ballot: Ballot, *, key: bytes | None = None) -> ChainCheck:
    """Recompute the hash chain of every paper of ``ballot`` and compare it with the stored and published heads
    (``key``: the chain key to check under; the server's current key by default)."""
    problems: list[str] = []
    prev = genesis_hash(ballot.pk, key=key)
    expected_seq = 1
    seq_of: dict[int, int] = {}
    current: dict[str, int] = {}
    last: dict[str, int] = {}
    votes = (
        Vote.objects.filter(ballot_id=ballot.pk)
        .order_by("seq")
        .values(
            "id",
            "seq",
            "owner_key",
            "choice",
            "channel",
            "cast_at",
            "receipt_digest",
            "replaces_id",
            "prev_hash",
            "hash",
            "is_current",
        )
    )
    count = 0
    for v in votes.iterator(chunk_size=2000):
        count += 1
        seq_of[v["id"]] = v["seq"]
        if v["seq"] != expected_seq:
            problems.append(f"第 {expected_seq} 张选票缺失 / paper {expected_seq} missing")
            expected_seq = v["seq"]
        expected_seq += 1
        if v["prev_hash"] != prev:
            problems.append(f"第 {v['seq']} 张选票的前序哈希不符 / paper {v['seq']}: previous hash differs")
        digest = vote_hash(
            ballot_id=ballot.pk,
            seq=v["seq"],
            owner_key=v["owner_key"],
            choice=v["choice"],
            channel=v["channel"],
            cast_at=v["cast_at"],
            receipt_digest=v["receipt_digest"],
            replaces_seq=seq_of.get(v["replaces_id"]) if v["replaces_id"] else None,
            prev_hash=v["prev_hash"],
            key=key,
        )
        if digest != v["hash"]:
            problems.append(f"第 {v['seq']} 张选票内容被改动 / paper {v['seq']}: content changed")
        prev = v["hash"]
        last[v["owner_key"]] = v["seq"]
        if v["is_current"]:
            current[v["owner_key"]] = v["seq"]
    if current != last:
        problems.append(
            "有效票标记与最后一张选票不一致 / current flags differ from the last paper of each owner"
        )
    if ballot.chain_head and ballot.chain_head != prev:
        problems.append("哈希链末端与记录不符 / the chain head differs from the stored head")
    published_head = (ballot.result or {}).get("chain_head")
    if published_head and published_head != prev:
        problems.append("哈希链末端与公示结果不符 / the chain head differs from the published result")
    if ballot.result and ballot.status in (BallotStatus.CLOSED, BallotStatus.PUBLISHED):
        if ballot_tally(ballot).to_dict()["reasons"] != ballot.result.get("reasons"):
            problems.append("重新计票结果与公示结果不符 / a recount differs from the stored result")
    return ChainCheck(ok=not problems, count=count, head=prev, problems=tuple(problems))


@transaction.atomic
def ballot_chain_resign(*, ballot_id: int, old_key: bytes) -> ChainCheck:
    """Key rotation: verify the ballot's chain under ``old_key``, then re-sign every link and the stored and
    published heads under the server's current key. Refuses a chain that does not verify under the old key."""
    ballot = _locked_ballot(ballot_id)
    before = chain_verify(ballot, key=old_key)
    if not before.ok:
        raise StateError(
            "旧密钥下哈希链校验未通过，不能重新签名。/ The chain does not verify under the old key; it is not "
            "re-signed.",
            field="old_key",
        )
    prev = genesis_hash(ballot.pk)
    seq_of: dict[int, int] = {}
    for vote in Vote.objects.filter(ballot_id=ballot.pk).order_by("seq"):
        seq_of[vote.pk] = vote.seq
        vote.prev_hash = prev
        vote.hash = vote_hash(
            ballot_id=ballot.pk,
            seq=vote.seq,
            owner_key=vote.owner_key,
            choice=vote.choice,
            channel=vote.channel,
            cast_at=vote.cast_at,
            receipt_digest=vote.receipt_digest,
            replaces_seq=seq_of.get(vote.replaces_id) if vote.replaces_id else None,
            prev_hash=prev,
        )
        vote.save(update_fields=["prev_hash", "hash"])
        prev = vote.hash
    old_head = ballot.chain_head
    if ballot.chain_head:
        ballot.chain_head = prev
    if ballot.result and ballot.result.get("chain_head"):
        ballot.result["chain_head"] = prev
    ballot.save(update_fields=["chain_head", "result"])
    audit_record(
        actor=None,
        action="chain_resign",
        obj=ballot,
        changes={"chain_head": [old_head, ballot.chain_head]},
        reason="密钥轮换 / chain key rotation",
    )
    return chain_verify(ballot)
