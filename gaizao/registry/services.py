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
from django.db import transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from gaizao.accounts.access import require_write
from gaizao.audit.services import audit_record, diff_fields, snapshot
from gaizao.divisions.models import Division
from gaizao.errors import ApplicationError
from gaizao.registry.models import Community, ScopeStatus

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
_SCREENING_OUTPUT = ("scope_status", "scope_reasons", "scope_ruleset", "scope_assessed_at")
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


def _apply_screening(community: Community, on: dt.date | None, now: dt.datetime) -> None:
    status, reasons, ruleset_id = screening_decision(community, on=on)
    community.scope_status = status
    community.scope_reasons = reasons
    community.scope_ruleset = ruleset_id
    community.scope_assessed_at = now


@transaction.atomic
def community_screen(*, community: Community, actor: Any = None, on: dt.date | None = None) -> Community:
    """Classify ``community`` by 二(一) and store the status, reasons, rule set and time on it.

    A community without ``built_year`` stays ``unscreened`` with a reason naming the missing field.
    """
    previous = community.scope_status
    _apply_screening(community, on, timezone.now())
    if community.pk:
        Community.objects.filter(pk=community.pk).update(
            scope_status=community.scope_status,
            scope_reasons=community.scope_reasons,
            scope_ruleset=community.scope_ruleset,
            scope_assessed_at=community.scope_assessed_at,
        )
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


#: What re-screening reads of each community: the rule's inputs, its stored outputs, and for the audit trail the
#: name (``str``) and the division path.
_RESCREEN_COLUMNS = ("id", "name", "division_id", "division__path", *SCREENING_FIELDS, *_SCREENING_OUTPUT)


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

    A queryset is read in chunks (only the columns the rule reads), so memory stays flat in the number of rows.
    The writes are grouped: ``scope_assessed_at`` is stamped on every row by one ``UPDATE`` over the queryset
    (not one per batch), the outcome is written only to the rows whose status, reasons or rule set changed, one
    ``UPDATE ... WHERE id IN (...)`` per distinct outcome (a few hundred for a whole city), and with ``audit=True``
    one bulk insert of a ``screen`` event (old and new status) per community whose status changed — instead of a
    bulk_update CASE over every row and an INSERT per event.
    ``progress(done, total)``, when given, is called after each batch (the background job reports with it).
    """

    from gaizao.audit.services import audit_record_many
    from gaizao.registry.stats import community_stats_refresh

    queryset = communities if isinstance(communities, QuerySet) else None
    if queryset is not None:
        total = queryset.count()
        rows: Iterable[Community] = (
            queryset.select_related("division").only(*_RESCREEN_COLUMNS).iterator(chunk_size=batch_size)
        )
    else:
        items = list(communities)
        total, rows = len(items), items
    now = timezone.now()
    counts: Counter[str] = Counter()
    outcomes: dict[tuple[str, str, str], tuple[list[dict[str, str]], list[int]]] = {}
    every: list[int] = []
    moved: set[int] = set()  # divisions holding a community whose status changed: their aggregates move
    changed_status: list[tuple[Community, dict[str, Any]]] = []
    done = 0
    for community in rows:
        previous = (community.scope_status, community.scope_reasons, community.scope_ruleset)
        _apply_screening(community, on, now)
        counts[community.scope_status] += 1
        if queryset is None:
            every.append(community.pk)
        if (community.scope_status, community.scope_reasons, community.scope_ruleset) != previous:
            key = (
                community.scope_status,
                json.dumps(community.scope_reasons, sort_keys=True, ensure_ascii=False),
                community.scope_ruleset,
            )
            outcomes.setdefault(key, (community.scope_reasons, []))[1].append(community.pk)
            if previous[0] != community.scope_status:
                moved.add(community.division_id)
            if audit and previous[0] != community.scope_status:
                changed_status.append((community, {"scope_status": [previous[0], community.scope_status]}))
        done += 1
        if progress is not None and done % batch_size == 0:
            progress(done, total)
    chunk = 2000
    with transaction.atomic():
        if queryset is not None:
            Community.objects.filter(pk__in=queryset.order_by().values("pk")).update(scope_assessed_at=now)
        for start in range(0, len(every), chunk):
            Community.objects.filter(pk__in=every[start : start + chunk]).update(scope_assessed_at=now)
        for (status, _, ruleset), (reasons, ids) in outcomes.items():
            for start in range(0, len(ids), chunk):
                Community.objects.filter(pk__in=ids[start : start + chunk]).update(
                    scope_status=status, scope_reasons=reasons, scope_ruleset=ruleset
                )
        if moved:
            community_stats_refresh(division_ids=moved)
        if audit:
            audit_record_many(
                actor=actor, action="screen", changes_by_obj=changed_status, reason="重新筛查 / re-screen"
            )
    if progress is not None:
        progress(total, total)
    return {status: counts.get(status, 0) for status in ScopeStatus.values}


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
    _apply_screening(community, None, timezone.now())
    _validate(community)
    community.save()
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
    _apply_screening(community, None, timezone.now())
    _validate(community)
    community.save()
    if previous_status != community.scope_status:
        changes["scope_status"] = [previous_status, community.scope_status]
    audit_record(actor=actor, action="update", obj=community, changes=changes, reason=reason)
    return community
