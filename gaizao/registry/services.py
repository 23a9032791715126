"""Writes to the registry (三(一)) and scope screening (二(一)).

Every write goes through one function here, inside a transaction, and records an audit event. Screening turns a
community into plain inputs, asks ``gaizao.policy.assess_scope`` and stores the status with its reasons; it runs
again whenever a community's data changes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Field, QuerySet
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.audit.services import audit_record, diff_fields, snapshot
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError
from gaizao.registry.models import Community, CommunityScreening, ScopeStatus

#: The clause the screening applies; used for "cannot screen yet" reasons when the policy core is not consulted.
SCOPE_CLAUSE = "杭政办函〔2022〕10号 二(一)"

#: Fields that screening reads: a change to any of them re-screens the community.
SCREENING_FIELDS = (
    "built_year",
    "last_comprehensive_renovation_year",
    "in_expropriation_plan",
    "affordable_housing",
    "infrastructure_deficient",
    "management_deficient",
    "residents_willing",
)

#: Fields written by screening, never by ``community_update``.
_SCREENING_OUTPUT = ("scope_status", "scope_reasons", "scope_ruleset")
_NOT_EDITABLE = frozenset(
    {"id", "district_code", "updated_at", "archived_at", "archive_reason", *_SCREENING_OUTPUT}
)


def _editable_fields() -> set[str]:
    names: set[str] = set()
    for f in Community._meta.concrete_fields:
        if f.name in _NOT_EDITABLE:
            continue
        names.add(f.name)
        names.add(f.attname)  # division_id as well as division
    return names


def _reason(code: str, message: str, message_en: str, clause: str = SCOPE_CLAUSE) -> dict[str, str]:
    return {"code": code, "clause": clause, "message": message, "message_en": message_en}


def screening_decision(
    community: Community, *, on: dt.date | None = None
) -> tuple[str, list[dict[str, str]], str]:
    """The scope status, reasons (``{code, clause, message, message_en}``) and rule set id for ``community``.

    Pure with respect to the database: reads the model's fields only, writes nothing.
    """
    from gaizao.policy import PolicyInputError, assess_scope

    on = on or timezone.localdate()
    if community.built_year is None:
        return (
            ScopeStatus.UNSCREENED,
            [
                _reason(
                    "scope.missing_built_year",
                    "缺少建成年份（built_year），无法筛查改造范围",
                    "The year built (built_year) is missing, so the scope cannot be screened",
                )
            ],
            "",
        )
    try:
        decision = assess_scope(
            built_year=community.built_year,
            assessed_year=on.year,
            last_comprehensive_renovation_year=community.last_comprehensive_renovation_year,
            in_expropriation_plan=community.in_expropriation_plan,
            affordable_housing=community.affordable_housing,
            infrastructure_deficient=community.infrastructure_deficient,
            management_deficient=community.management_deficient,
            residents_willing=community.residents_willing,
        )
    except PolicyInputError as exc:
        return (
            ScopeStatus.UNSCREENED,
            [
                _reason(
                    f"scope.invalid_{exc.field}",
                    f"数据有误，无法筛查：{exc.message}",
                    f"Invalid data: {exc.message}",
                )
            ],
            "",
        )
    reasons = [r.to_dict() for r in decision.reasons]
    return decision.status, reasons, decision.ruleset_id


def _apply_screening(community: Community, on: dt.date | None) -> None:
    status, reasons, ruleset_id = screening_decision(community, on=on)
    community.scope_status = status
    community.scope_reasons = reasons
    community.scope_ruleset = ruleset_id


def screening_stamp(*, communities: Iterable[Community] | QuerySet[Community], at: dt.datetime) -> None:
    """Record that ``communities`` were screened at ``at`` (their ``CommunityScreening`` rows, created or moved).

    A queryset is stamped by one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` over it, whatever its size;
    instances by one bulk upsert per 2,000, and each instance's ``scope_assessed_at`` reads the new time without
    a query. Must run inside the caller's transaction."""
    if isinstance(communities, QuerySet):
        sql, params = communities.order_by().values(screened_id=F("pk")).query.sql_with_params()
        table = connection.ops.quote_name(CommunityScreening._meta.db_table)
        stamp = CommunityScreening._meta.get_field("assessed_at").get_db_prep_save(at, connection)
        with connection.cursor() as cursor:
            # ``WHERE true``: SQLite would otherwise read ``ON CONFLICT`` as a join's ``ON``.
            cursor.execute(
                f"INSERT INTO {table} (community_id, assessed_at) SELECT s.screened_id, %s FROM ({sql}) s "
                "WHERE true ON CONFLICT (community_id) DO UPDATE SET assessed_at = excluded.assessed_at",
                (stamp, *params),
            )
        return
    items = [c for c in communities if c.pk is not None]
    rows = [CommunityScreening(community_id=c.pk, assessed_at=at) for c in items]
    CommunityScreening.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["community"],
        update_fields=["assessed_at"],
    )
    for community, row in zip(items, rows, strict=True):
        community.screening = row


@transaction.atomic
def community_screen(*, community: Community, actor: Any = None, on: dt.date | None = None) -> Community:
    """Classify ``community`` by 二(一) and store the status, reasons, rule set and time on it.

    A community without ``built_year`` stays ``unscreened`` with a reason naming the missing field.
    """
    previous = community.scope_status
    _apply_screening(community, on)
    if community.pk:
        Community.objects.filter(pk=community.pk).update(
            scope_status=community.scope_status,
            scope_reasons=community.scope_reasons,
            scope_ruleset=community.scope_ruleset,
        )
        screening_stamp(communities=[community], at=timezone.now())
        if previous != community.scope_status:
            from gaizao.registry.stats import community_stats_refresh

            community_stats_refresh(division_ids={community.division_id})
        if actor is not None and previous != community.scope_status:
            audit_record(
                actor=actor,
                action="screen",
                obj=community,
                changes={"scope_status": [previous, community.scope_status]},
            )
    return community


#: What re-screening reads of each community: its id and division, the rule's inputs (in ``SCREENING_FIELDS``
#: order) and the stored outcome.
_RESCREEN_COLUMNS = ("pk", "division_id", *SCREENING_FIELDS, "scope_status", "scope_reasons", "scope_ruleset")

_Outcome = tuple[str, list[dict[str, str]], str]


class ScreeningRule:
    """``screening_decision`` on the rule's inputs (a tuple in ``SCREENING_FIELDS`` order), remembered per distinct
    input for one re-screening or import: a city has a few thousand distinct inputs, not one per community. The
    reasons returned are shared between communities with the same inputs: replace them, never change them."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        self.decisions: dict[tuple[Any, ...], tuple[_Outcome, str]] = {}

    def decide(self, inputs: tuple[Any, ...]) -> tuple[_Outcome, str]:
        """The outcome and a key naming it (status, reasons as JSON, rule set)."""
        known = self.decisions.get(inputs)
        if known is None:
            outcome = screening_decision(
                Community(**dict(zip(SCREENING_FIELDS, inputs, strict=True))), on=self.on
            )
            key = "\x1f".join(
                (outcome[0], json.dumps(outcome[1], sort_keys=True, ensure_ascii=False), outcome[2])
            )
            known = self.decisions[inputs] = (outcome, key)
        return known


def communities_rescreen(
    *,
    communities: Iterable[Community] | QuerySet[Community],
    actor: Any = None,
    on: dt.date | None = None,
    batch_size: int = 2000,
    progress: Any = None,
    audit: bool = False,
) -> dict[str, int]:
    """Re-screen many communities in bulk; returns the number of communities per status.

    A queryset is streamed in chunks of ``batch_size`` as plain tuples of only the columns the rule reads (a
    server-side cursor on PostgreSQL), so memory stays flat in the number of rows and no model is built per row;
    the rule runs once per distinct input. The writes are grouped, in one transaction at the end:

    * every community read is stamped in its narrow ``CommunityScreening`` row (one upsert over the queryset);
    * the outcome (status, reasons, rule set) is written only to the community rows whose outcome changed, one
      ``UPDATE ... WHERE id IN (...)`` per distinct outcome and 2,000 rows, so unchanged wide rows and their
      indexes are not rewritten;
    * the aggregates (``CommunityStats``) of the divisions holding a community whose status changed are rebuilt;
    * with ``audit=True``, one bulk insert of a ``screen`` event (old and new status) per community whose status
      changed.

    A list of instances is screened as held (the importer passes rows it just wrote) and the instances updated.
    ``progress(done, total)``, when given, is called after each batch (the background job reports with it).
    """

    from gaizao.audit.services import audit_record_many
    from gaizao.registry.stats import community_stats_refresh

    rule = ScreeningRule(on or timezone.localdate())
    queryset = communities if isinstance(communities, QuerySet) else None
    items: list[Community] = []
    if queryset is not None:
        total = queryset.count()
        rows: Iterable[tuple[Any, ...]] = (
            queryset.order_by().values_list(*_RESCREEN_COLUMNS).iterator(chunk_size=batch_size)
        )
    else:
        items = list(communities)
        total = len(items)
        rows = (
            (c.pk, c.division_id, *(getattr(c, name) for name in SCREENING_FIELDS), *_stored(c))
            for c in items
        )
    n_inputs = len(SCREENING_FIELDS)
    counts: Counter[str] = Counter()
    outcomes: dict[str, tuple[_Outcome, list[int]]] = {}
    moved: set[int] = set()  # divisions holding a community whose status changed: their aggregates move
    changed_status: dict[int, list[str]] = {}  # community id -> [old status, new status]
    done = 0
    for row in rows:
        pk, division_id = row[0], row[1]
        stored = row[2 + n_inputs :]
        outcome, key = rule.decide(row[2 : 2 + n_inputs])
        status = outcome[0]
        counts[status] += 1
        if (status, outcome[1], outcome[2]) != stored:
            outcomes.setdefault(key, (outcome, []))[1].append(pk)
            if stored[0] != status:
                moved.add(division_id)
                changed_status[pk] = [stored[0], status]
        done += 1
        if progress is not None and done % batch_size == 0:
            progress(done, total)
    for community in items:
        (status, reasons, ruleset), _ = rule.decide(
            tuple(getattr(community, name) for name in SCREENING_FIELDS)
        )
        community.scope_status, community.scope_reasons, community.scope_ruleset = status, reasons, ruleset
    chunk = 2000
    with transaction.atomic():
        screening_stamp(communities=queryset if queryset is not None else items, at=timezone.now())
        for (status, reasons, ruleset), ids in outcomes.values():
            for start in range(0, len(ids), chunk):
                Community.objects.filter(pk__in=ids[start : start + chunk]).update(
                    scope_status=status, scope_reasons=reasons, scope_ruleset=ruleset
                )
        if moved:
            community_stats_refresh(division_ids=moved)
        if audit and changed_status:
            ids = list(changed_status)
            audited: list[Community] = []
            for start in range(0, len(ids), chunk):
                audited.extend(
                    Community.objects.filter(pk__in=ids[start : start + chunk])
                    .select_related("division")
                    .only("id", "name", "division__path")
                )
            audit_record_many(
                actor=actor,
                action="screen",
                changes_by_obj=[(c, {"scope_status": changed_status[c.pk]}) for c in audited],
                reason="重新筛查 / re-screen",
            )
    if progress is not None:
        progress(total, total)
    return {status: counts.get(status, 0) for status in ScopeStatus.values}


def _stored(community: Community) -> tuple[str, Any, str]:
    """The outcome a community instance holds: as loaded, or as set by a caller before handing it over."""
    return community.scope_status, community.scope_reasons, community.scope_ruleset


def id_number_digest(value: str) -> str:
    """The salted digest under which an owner's ID number is stored (DESIGN.md: never in clear).

    HMAC-SHA256 keyed with the deployment's SECRET_KEY, of the number stripped and upper-cased, so the same number
    always gives the same digest within one deployment (re-imports match owners) and cannot be looked up elsewhere.
    """
    import hashlib
    import hmac

    from django.conf import settings

    key = ("gaizao.owner.id_number:" + settings.SECRET_KEY).encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def id_number_last4(value: str) -> str:
    """The last four characters of an ID number, the only part kept for people to recognise a record."""
    return value.strip().upper()[-4:]


def _validate(community: Community) -> None:
    try:
        community.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = field
        try:
            label = str(cast("Field[Any, Any]", Community._meta.get_field(field)).verbose_name)
        except Exception:  # NON_FIELD_ERRORS has no model field
            pass
        raise ApplicationError(
            f"{label}：{'；'.join(messages)}。/ Field {field} is invalid: {' '.join(messages)}",
            field=field,
        ) from exc


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - _editable_fields())
    if unknown:
        raise ApplicationError(
            f"不能修改字段 {', '.join(unknown)}。/ These fields cannot be set: {', '.join(unknown)}.",
            field=unknown[0],
        )


def _division_of(fields: dict[str, Any]) -> Division | None:
    if "division" in fields:
        return fields["division"]
    if "division_id" in fields:
        return Division.objects.filter(pk=fields["division_id"]).first()
    return None


@transaction.atomic
def community_create(*, actor: Any, reason: str = "", **fields: Any) -> Community:
    """Create a community from survey ``fields``, validate it, screen it and record the creation."""
    _check_fields(fields)
    division = _division_of(fields)
    if division is None:
        raise ApplicationError("必须指定所属社区或街道。/ The division is required.", field="division")
    if actor is not None:
        require_write(actor, division)
    community = Community(**fields)
    _apply_screening(community, None)
    _validate(community)
    community.save()
    screening_stamp(communities=[community], at=timezone.now())
    audit_record(
        actor=actor,
        action="create",
        obj=community,
        changes=diff_fields({}, snapshot(community, _audit_fields())),
        reason=reason,
    )
    return community


def _audit_fields() -> list[str]:
    return [
        f.attname for f in Community._meta.concrete_fields if f.name not in {"updated_at", *_SCREENING_OUTPUT}
    ]


@transaction.atomic
def community_update(*, actor: Any, community: Community, reason: str = "", **fields: Any) -> Community:
    """Change survey ``fields`` of ``community``; audit the diff and re-screen when data changed.

    Raises ApplicationError naming the field when a value is invalid; PermissionError_ when ``actor`` may not write
    the community's division (or the division it is moved to).
    """
    _check_fields(fields)
    if actor is not None:
        require_write(actor, community.division)
    new_division = _division_of(fields)
    if actor is not None and new_division is not None and new_division.pk != community.division_id:
        require_write(actor, new_division)
    names = _audit_fields()
    before = snapshot(community, names)
    for name, value in fields.items():
        setattr(community, name, value)
    changes = diff_fields(before, snapshot(community, names))
    if not changes:
        return community
    previous_status = community.scope_status
    _apply_screening(community, None)
    _validate(community)
    community.save()
    screening_stamp(communities=[community], at=timezone.now())
    if previous_status != community.scope_status:
        changes["scope_status"] = [previous_status, community.scope_status]
    audit_record(actor=actor, action="update", obj=community, changes=changes, reason=reason)
    return community
