"""The works and the money of a generated registry: what the delivery, money and oversight pages list.

``bench.scale_data`` fills the registry and the programme (communities … projects with plans); the pages a city
officer opens every day also list deliveries, their schedules, inspections and rectification orders, contracts and
the ledger. This step adds a modest number of those rows for the generated projects **in 实施** — an existing
database (a clone of the 220k one) gets them without being regenerated, and ``bench.scale_data``'s own output stays
exactly what it was, so the other benchmarks' figures remain comparable.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gz_scale python -m bench.scale_works

Per implementing project: a delivery (its stage spread over the stages, each 开工 / 完工 move audited as the
services would), three milestones (some late), one construction contract, a money account and four ledger entries
(budget = the plan's estimate, received, commitment on the contract, payment); one delivery in ten has an
inspection with a finding and its rectification order (half of them overdue). Rows go in with ``COPY`` like the
rest of the generator; running it twice is refused (the projects already have deliveries).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from decimal import Decimal
from typing import Any

from bench.scale_data import AUDIT_COLUMNS, _insert, _next_id, _reset_sequences

#: stages of the generated deliveries, in turn (the 开工 / 完工 events follow from the stage reached)
STAGES = ("preliminary", "started", "construction", "construction", "completed", "accepted", "handed_over")
STARTED_OR_LATER = {"started", "construction", "completed", "accepted", "handed_over"}
COMPLETED_OR_LATER = {"completed", "accepted", "handed_over"}
MILESTONES = ("设计与招标", "主体施工", "竣工验收")
INSPECTED_EVERY = 10


def generate_works(*, seed: int = 2023, verbose: bool = True) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from gaizao.audit.models import AuditEvent
    from gaizao.delivery.models import (
        Contract,
        Delivery,
        Finding,
        Inspection,
        Milestone,
        Organisation,
        RectificationOrder,
    )
    from gaizao.delivery.selectors import COMPLETED_ACTION, STARTED_ACTION
    from gaizao.divisions.models import Division
    from gaizao.money.models import LedgerEntry, ProjectAccount
    from gaizao.programme.models import Project

    rng = random.Random(seed)
    t0 = time.perf_counter()
    projects = list(
        Project.objects.filter(state="implementing", archived_at__isnull=True, delivery__isnull=True)
        .order_by("pk")
        .values_list("pk", "code", "name", "division_id", "district_id", "plan__current_version__estimate")
    )
    if not projects:
        raise SystemExit(
            "no implementing project without a delivery: generate the registry first (bench.scale_data)"
        )
    levels = dict(Division.objects.values_list("pk", "level"))
    parents = dict(Division.objects.values_list("pk", "parent_id"))
    paths = dict(Division.objects.values_list("pk", "path"))

    def street_of(division_id: int) -> int | None:
        level = levels.get(division_id)
        return (
            division_id if level == "street" else parents.get(division_id) if level == "community" else None
        )

    now = timezone.now()
    today = timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    out: dict[str, int] = {}
    with transaction.atomic():
        o_first = _next_id(Organisation)
        organisations = [
            [o_first + k, f"{name}{k + 1}", f"91330100MA{o_first + k:08d}", kind, "", "", now, True]
            for k, (name, kind) in enumerate(
                [("杭州市城建工程有限公司", "contractor")] * 20
                + [("浙江工程监理有限公司", "supervisor")] * 6
                + [("区城市更新实施中心", "implementing")] * 4
            )
        ]
        out["organisations"] = _insert(
            Organisation,
            ["id", "name", "credit_code", "kind", "contact", "phone", "created_at", "is_sample"],
            organisations,
        )
        contractors = [o[0] for o in organisations if o[3] == "contractor"]
        bodies = [o[0] for o in organisations if o[3] == "implementing"]
        d_first, m_first, c_first = _next_id(Delivery), _next_id(Milestone), _next_id(Contract)
        deliveries, milestones, contracts, events = [], [], [], []
        stage_of: dict[int, str] = {}
        path_of: dict[int, str] = {}
        for j, (pk, code, _name, division, _district, estimate) in enumerate(projects):
            d = d_first + j
            stage = STAGES[j % len(STAGES)]
            stage_of[d] = stage
            path_of[d] = paths.get(division, "")
            deliveries.append([d, pk, stage, "", rng.choice(bodies), now, None, now, True])
            begin = year_start + dt.timedelta(days=rng.randrange(0, 200))
            for k, name in enumerate(MILESTONES):
                start = begin + dt.timedelta(days=90 * k)
                end = start + dt.timedelta(days=80)
                done = end if (k == 0 and stage in STARTED_OR_LATER) or stage in COMPLETED_OR_LATER else None
                milestones.append(
                    [m_first + 3 * j + k, d, name, start, end, start if done else None, done, k]
                )
            amount = (Decimal(estimate or 1_000_000) * Decimal("0.9")).quantize(Decimal("0.01"))
            contracts.append(
                [
                    c_first + j,
                    pk,
                    "construction",
                    f"SG-{code}",
                    "施工合同",
                    rng.choice(contractors),
                    amount,
                    begin,
                    begin,
                    begin + dt.timedelta(days=300),
                    None,
                    now,
                    True,
                ]
            )
        out["deliveries"] = _insert(
            Delivery,
            [
                "id",
                "project_id",
                "stage",
                "resume_stage",
                "implementing_body_id",
                "stage_changed_at",
                "created_by_id",
                "created_at",
                "is_sample",
            ],
            deliveries,
        )
        out["milestones"] = _insert(
            Milestone,
            [
                "id",
                "delivery_id",
                "name",
                "planned_start",
                "planned_end",
                "actual_start",
                "actual_end",
                "order",
            ],
            milestones,
        )
        out["contracts"] = _insert(
            Contract,
            [
                "id",
                "project_id",
                "kind",
                "number",
                "title",
                "party_id",
                "amount",
                "signed_on",
                "starts_on",
                "ends_on",
                "created_by_id",
                "created_at",
                "is_sample",
            ],
            contracts,
        )

        # --- the audited 开工 / 完工 moves the dashboards count
        ct = ContentType.objects.get_for_model(Delivery).pk
        a_first = _next_id(AuditEvent)
        for d, stage in stage_of.items():
            for action, reached in (
                (STARTED_ACTION, STARTED_OR_LATER),
                (COMPLETED_ACTION, COMPLETED_OR_LATER),
            ):
                if stage in reached:
                    on = year_start + dt.timedelta(days=rng.randrange(0, max(1, (today - year_start).days)))
                    at = dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC)
                    events.append(
                        [
                            a_first + len(events),
                            at,
                            None,
                            "system",
                            action,
                            ct,
                            str(d),
                            f"实施 {d}",
                            path_of[d],
                            {"on": str(on)},
                            "",
                        ]
                    )
        out["audit_events"] = _insert(
            AuditEvent,
            AUDIT_COLUMNS,
            events,
        )

        # --- inspections, findings and rectification orders (one delivery in ten)
        i_first, f_first, r_first = _next_id(Inspection), _next_id(Finding), _next_id(RectificationOrder)
        inspections, findings, orders = [], [], []
        for k, (d, _stage) in enumerate(list(stage_of.items())[::INSPECTED_EVERY]):
            at = now - dt.timedelta(days=rng.randrange(1, 120))
            inspections.append([i_first + k, d, "quality", "district", None, at, {}, "", None, None])
            findings.append(
                [
                    f_first + k,
                    i_first + k,
                    "",
                    "外墙脚手架防护不到位",
                    "major",
                    "",
                    None,
                    None,
                    None,
                    None,
                    at,
                ]
            )
            deadline = today + dt.timedelta(days=rng.randrange(-30, 30))
            orders.append(
                [
                    r_first + k,
                    f_first + k,
                    d,
                    rng.choice(contractors),
                    deadline,
                    "限期整改",
                    "open",
                    None,
                    at,
                    None,
                    None,
                ]
            )
        out["inspections"] = _insert(
            Inspection,
            [
                "id",
                "delivery_id",
                "kind",
                "level",
                "inspector_id",
                "inspected_at",
                "checklist",
                "note",
                "lon",
                "lat",
            ],
            inspections,
        )
        _insert(
            Finding,
            [
                "id",
                "inspection_id",
                "checklist_item",
                "description",
                "severity",
                "photo",
                "lon",
                "lat",
                "report_id",
                "created_by_id",
                "created_at",
            ],
            findings,
        )
        out["orders"] = _insert(
            RectificationOrder,
            [
                "id",
                "finding_id",
                "delivery_id",
                "party_id",
                "deadline",
                "requirement",
                "state",
                "issued_by_id",
                "issued_at",
                "escalated_at",
                "closed_at",
            ],
            orders,
        )

        # --- money: an account and four ledger entries per project
        acc_first, e_first = _next_id(ProjectAccount), _next_id(LedgerEntry)
        accounts, entries = [], []
        for j, (pk, code, _name, division, district, estimate) in enumerate(projects):
            accounts.append([acc_first + j, pk, "open", now, None])
            budget = Decimal(estimate or 1_000_000)
            contract = contracts[j]
            street = street_of(division)
            base = [pk, None, division, street, district, "city"]
            e = e_first + 4 * j
            for k, (kind, amount, commitment, contract_id) in enumerate(
                (
                    ("budget", budget, None, None),
                    ("received", (budget * Decimal("0.6")).quantize(Decimal("0.01")), None, None),
                    ("commitment", contract[6], None, contract[0]),
                    ("payment", (contract[6] * Decimal("0.3")).quantize(Decimal("0.01")), e + 2, contract[0]),
                )
            ):
                entries.append(
                    [
                        e + k,
                        *base,
                        kind,
                        amount,
                        contract[7] + dt.timedelta(days=20 * k),
                        f"{code}-{k + 1}",
                        "",
                        "",
                        commitment,
                        contract_id,
                        None,
                        "",
                        None,
                        None,
                        now,
                        True,
                    ]
                )
        out["accounts"] = _insert(
            ProjectAccount, ["id", "project_id", "state", "opened_at", "closed_at"], accounts
        )
        out["ledger_entries"] = _insert(
            LedgerEntry,
            [
                "id",
                "project_id",
                "community_id",
                "division_id",
                "street_id",
                "district_id",
                "source",
                "kind",
                "amount",
                "date",
                "document_number",
                "attachment",
                "note",
                "commitment_id",
                "contract_id",
                "reverses_id",
                "reason",
                "application_id",
                "created_by_id",
                "created_at",
                "is_sample",
            ],
            entries,
        )
        _reset_sequences(
            Organisation,
            Delivery,
            Milestone,
            Contract,
            AuditEvent,
            Inspection,
            Finding,
            RectificationOrder,
            ProjectAccount,
            LedgerEntry,
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Delivery, Milestone, Contract, AuditEvent, RectificationOrder, LedgerEntry):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result = {**out, "seconds": round(time.perf_counter() - t0, 1)}
    if verbose:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main() -> int:
    import django

    django.setup()
    generate_works()
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaizao.web.settings")
    sys.exit(main())
