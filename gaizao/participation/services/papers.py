"""Ballot papers (votes): one current paper per owner on a hash chain, and the verification and key rotation of
that chain."""

from __future__ import annotations

import contextlib
import functools
import itertools
import secrets
from dataclasses import dataclass
from typing import cast

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.accounts.models import Role, User
from gaizao.audit.services import audit_event, audit_record
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError, NotFoundError, PermissionError_, StateError
from gaizao.participation.chain import ChainCheck, genesis_hash, new_receipt_code, receipt_digest, vote_hash
from gaizao.participation.models import Ballot, BallotStatus, Channel, Choice, RollEntry, Vote
from gaizao.participation.services._append import append_paper
from gaizao.participation.services._common import (
    RaceLost,
    _check_upload,
    _locked_ballot,
    owner_of,
    stored_name,
    with_retry,
)
from gaizao.participation.services.roll import ballot_tally
from gaizao.registry.models import Community, Owner
from gaizao.rows import Columns

ONLY_OWNERS_ONLINE = "只有登记的业主可以在线投票。/ Only registered owners vote online."


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


#: What a paper reads with its roll entry (one precomposed statement, see ``_paper_entry``): the owner key, the
#: ballot's state and period, what the audit record shows of the ballot (question, community name, division path)
#: and what the write permission checks.
_ENTRY: Columns[RollEntry] = Columns(RollEntry, ["id", "ballot_id", "owner_id", "owner_key"])
_BALLOT: Columns[Ballot] = Columns(
    Ballot, ["id", "community_id", "question", "opens_at", "closes_at", "status"]
)
_COMMUNITY: Columns[Community] = Columns(Community, ["id", "division_id", "name"])
_DIVISION: Columns[Division] = Columns(Division, ["id", "path"])
#: What the replacement rule reads of the owner's current paper.
_PREVIOUS: Columns[Vote] = Columns(Vote, ["id", "seq", "is_current", "channel", "needs_review"])


@functools.cache
def _entry_sql(vendor: str, *, by_user: bool, with_previous: bool) -> str:
    """The roll entry of one owner (``%(owner)s``, or the owner whose account is ``%(user)s``) on ballot
    ``%(ballot)s`` with its ballot, community and division: the ORM's ``select_related`` query, composed once.

    ``with_previous``: also the columns of the owner's current paper (nulls when there is none), read without a
    lock — the statement that appends the new paper flips it only if it is still current."""
    quote = connection.ops.quote_name
    entry, ballot, community, division, owner, vote = (
        quote(m._meta.db_table) for m in (RollEntry, Ballot, Community, Division, Owner, Vote)
    )
    who = f"(SELECT o.id FROM {owner} o WHERE o.user_id = %(user)s)" if by_user else "%(owner)s"
    previous = f", {_PREVIOUS.select('p')}" if with_previous else ""
    join = (
        f"LEFT JOIN {vote} p ON p.ballot_id = r.ballot_id AND p.owner_key = r.owner_key AND p.is_current"
        if with_previous
        else ""
    )
    return f"""
        SELECT {_ENTRY.select("r")}, {_BALLOT.select("b")}, {_COMMUNITY.select("c")}, {_DIVISION.select("d")}
            {previous}
        FROM {entry} r JOIN {ballot} b ON b.id = r.ballot_id JOIN {community} c ON c.id = b.community_id
            JOIN {division} d ON d.id = c.division_id {join}
        WHERE r.ballot_id = %(ballot)s AND r.owner_id = {who}
        ORDER BY r.id LIMIT 1
    """


def _paper_entry(
    *, ballot_id: int, owner_id: int | None, user_id: int | None, with_previous: bool = False
) -> tuple[RollEntry | None, Vote | None]:
    """The first roll entry of the owner (given by ``owner_id``, or as the owner whose account is ``user_id``) on
    the ballot, with ``entry.ballot.community.division`` loaded (only the columns a paper needs), and with
    ``with_previous`` the owner's current paper as it was read (not locked)."""
    sql = _entry_sql(connection.vendor, by_user=owner_id is None, with_previous=with_previous)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ballot": ballot_id, "owner": owner_id, "user": user_id})
        row = cursor.fetchone()
    if row is None:
        return None, None
    ends = list(itertools.accumulate(len(c) for c in (_ENTRY, _BALLOT, _COMMUNITY, _DIVISION)))
    entry = _ENTRY.build(row[: ends[0]])
    ballot = _BALLOT.build(row[ends[0] : ends[1]])
    community = _COMMUNITY.build(row[ends[1] : ends[2]])
    community._state.fields_cache["division"] = _DIVISION.build(row[ends[2] : ends[3]])
    ballot._state.fields_cache["community"] = community
    entry._state.fields_cache["ballot"] = ballot
    previous = row[ends[3] :]
    return entry, (_PREVIOUS.build(previous) if previous and previous[0] is not None else None)


def _previous_sql(owner_key: str = "%(owner_key)s") -> str:
    quote = connection.ops.quote_name
    return f"""
        UPDATE {quote(Vote._meta.db_table)} SET is_current = %(false)s
        WHERE ballot_id = %(ballot)s AND is_current AND owner_key = {owner_key}
        RETURNING {", ".join(quote(f.column) for f in _PREVIOUS.fields)}
    """


def _take_previous(*, ballot_id: int, owner_key: str) -> Vote | None:
    """The owner's current paper, no longer current (it is locked until the commit; a refused replacement rolls
    the flag back with the transaction), or None. One ``UPDATE … RETURNING``."""
    with connection.cursor() as cursor:
        cursor.execute(_previous_sql(), {"false": False, "ballot": ballot_id, "owner_key": owner_key})
        row = cursor.fetchone()
    return None if row is None else _PREVIOUS.build(row)


def _cast_once(
    *,
    actor: User,
    ballot_id: int,
    owner_id: int | None,
    choice: str,
    channel: str,
    serial_number: str,
    scan: UploadedFile | None,
    witness_name: str,
    proxy_name: str,
    proxy_authorisation: UploadedFile | None,
) -> CastResult:
    """``owner_id`` None: the owner whose account ``actor`` is (online papers).

    An online paper on PostgreSQL is written by one statement in its own transaction (``append_paper`` flips the
    previous paper read here, only if it is still current, and inserts the paper and its audit record): no
    transaction stays open across client round trips, and the ballot's lock lasts as long as that statement. Other
    papers (they may be refused after the previous paper is locked) and SQLite use a transaction around the steps.
    """
    single = channel == Channel.ONLINE and connection.vendor == "postgresql"
    with contextlib.nullcontext() if single else transaction.atomic():
        # Everything that does not need the ballot's lock happens first; the lock is taken by the one statement
        # that appends the paper to the chain (``_append``), right before the commit.
        entry, previous = _paper_entry(
            ballot_id=ballot_id, owner_id=owner_id, user_id=actor.pk, with_previous=single
        )
        if entry is None:
            if channel == Channel.ONLINE:
                if owner_id is None and owner_of(actor) is None:
                    raise PermissionError_(ONLY_OWNERS_ONLINE)
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
        if not single:
            previous = _take_previous(ballot_id=ballot.pk, owner_key=owner_key)
        needs_review = _check_replacement(previous, channel)
        receipt = new_receipt_code()
        digest = receipt_digest(receipt)
        vote = Vote(
            ballot=ballot,
            owner_id=cast(int, entry.owner_id),  # the entry was found by its owner
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
        # written by the statement that appends the paper, only if it does
        audit = audit_event(
            actor=actor,
            action="vote_record",
            obj=ballot,
            # the choice stays out of the audit trail: organisers must not learn it while the vote is secret
            changes={"channel": [None, channel], "replaces": [None, previous.seq if previous else None]},
        )
        vote.cast_at = timezone.now()
        appended = append_paper(
            vote,
            replaces_seq=previous.seq if previous else None,
            audit=audit,
            flip_previous=previous.pk if single and previous else None,
        )
        if not appended:
            # closed (or past its closing time) since the check above: nothing of this paper is kept
            _require_open(Ballot.objects.get(pk=ballot.pk))
            if (
                single
            ):  # still open: another device of the owner replaced the paper read above; vote_cast retries
                raise RaceLost("the owner's current paper changed while this one was prepared")
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
        if not getattr(actor, "is_authenticated", False) or actor.role != Role.RESIDENT:
            raise PermissionError_(ONLY_OWNERS_ONLINE)
        if owner_id is not None:
            own = owner_of(actor)
            if own is None:
                raise PermissionError_(ONLY_OWNERS_ONLINE)
            if int(owner_id) != own.pk:
                raise PermissionError_("只能为本人投票。/ Owners vote only for themselves.")
        # else the paper's roll entry is read by the account's owner, in the same statement (``_paper_entry``)
    elif owner_id is None:
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
    oid = None if owner_id is None else int(owner_id)
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
