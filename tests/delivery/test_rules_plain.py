"""The delivery rules that judge plain data, without the database: the conditions of a stage move and the joint
completion acceptance's items and signatories. The services tests cover the same rules through the database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gaizao.delivery.models import ContractKind, Stage
from gaizao.delivery.services import StageFacts, assessed_items, joint_signatories, move_blockers
from gaizao.errors import ApplicationError

READY_TO_START = StageFacts(
    stage=Stage.PRELIMINARY,
    resume_stage="",
    in_approved_annual_plan=True,
    pending_approvals=(),
    contract_kinds=frozenset({ContractKind.CONSTRUCTION}),
    delivery_mode="",
)


def fields(blockers: list[tuple[str, str]]) -> list[str]:
    return [field for field, _ in blockers]


def test_a_move_the_table_forbids_is_refused_alone():
    facts = StageFacts(stage=Stage.PRELIMINARY, resume_stage="")

    blockers = move_blockers(facts, Stage.ACCEPTED)

    assert fields(blockers) == ["stage"]
    assert "cannot move from preliminary to accepted" in blockers[0][1]


def test_a_suspended_delivery_resumes_only_to_the_stage_it_left():
    facts = StageFacts(stage=Stage.SUSPENDED, resume_stage=Stage.CONSTRUCTION)

    assert move_blockers(facts, Stage.CONSTRUCTION) == []
    blockers = move_blockers(facts, Stage.STARTED)
    assert fields(blockers) == ["stage"]
    assert "resumes to construction" in blockers[0][1]


def test_works_start_once_plan_approvals_and_contracts_are_in_place():
    assert move_blockers(READY_TO_START, Stage.STARTED) == []


def test_every_missing_condition_of_the_start_is_listed_in_order():
    facts = StageFacts(
        stage=Stage.PRELIMINARY,
        resume_stage="",
        in_approved_annual_plan=False,
        pending_approvals=("施工许可", "消防设计审查"),
        contract_kinds=frozenset({ContractKind.DESIGN}),
        delivery_mode="epc",
    )

    blockers = move_blockers(facts, Stage.STARTED)

    assert fields(blockers) == ["annual_plan", "approvals", "contracts", "contracts"]
    assert "施工许可、消防设计审查" in blockers[1][1]
    assert "(2)" in blockers[1][1]
    assert "delivery mode epc needs a epc contract" in blockers[3][1]


def test_the_plan_s_delivery_mode_asks_for_its_contract():
    facts = replace(READY_TO_START, delivery_mode="full_process_consulting")

    assert fields(move_blockers(facts, Stage.STARTED)) == ["contracts"]
    with_consulting = replace(facts, contract_kinds=frozenset({ContractKind.EPC, ContractKind.CONSULTING}))
    assert move_blockers(with_consulting, Stage.STARTED) == []


@pytest.mark.parametrize(("open_orders", "expected"), [(0, []), (3, ["orders"])])
def test_open_orders_block_the_completion_acceptance(open_orders, expected):
    facts = StageFacts(stage=Stage.COMPLETED, resume_stage="", open_orders=open_orders)

    blockers = move_blockers(facts, Stage.ACCEPTED)

    assert fields(blockers) == expected
    if open_orders:
        assert "3 rectification order(s) still open" in blockers[0][1]


@pytest.mark.parametrize(("has_handovers", "expected"), [(True, []), (False, ["handovers"])])
def test_nothing_handed_over_blocks_the_handover(has_handovers, expected):
    facts = StageFacts(stage=Stage.ACCEPTED, resume_stage="", has_handovers=has_handovers)

    assert fields(move_blockers(facts, Stage.HANDED_OVER)) == expected


PLAN = [
    {"item_id": "roof", "name_zh": "屋面防水", "unit": "m2", "quantity": "1200"},
    {"item_id": "pipes", "name_zh": "雨污分流", "unit": "m", "quantity": "300"},
]


def test_assessed_items_follow_the_plan_order():
    rows = assessed_items(
        PLAN,
        [
            {"item_id": "pipes", "delivered": "280", "passed": False, "note": "差 20 米"},
            {"item_id": "roof", "delivered": "1200", "passed": True},
        ],
    )

    assert rows == [
        {
            "item_id": "roof",
            "name": "屋面防水",
            "unit": "m2",
            "planned": "1200",
            "delivered": "1200",
            "passed": True,
            "note": "",
        },
        {
            "item_id": "pipes",
            "name": "雨污分流",
            "unit": "m",
            "planned": "300",
            "delivered": "280",
            "passed": False,
            "note": "差 20 米",
        },
    ]


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"item_id": "roof", "delivered": "1200"}], "items[1]"),
        (
            [{"item_id": "roof", "delivered": "-1"}, {"item_id": "pipes", "delivered": "1"}],
            "items[0].delivered",
        ),
        (
            [
                {"item_id": "roof", "delivered": "1"},
                {"item_id": "pipes", "delivered": "1"},
                {"item_id": "lift", "delivered": "1"},
            ],
            "items",
        ),
    ],
    ids=["an item not assessed", "a negative quantity", "an item not in the plan"],
)
def test_assessed_items_refuse_a_wrong_assessment_naming_the_field(items, field):
    with pytest.raises(ApplicationError) as refused:
        assessed_items(PLAN, items)

    assert refused.value.field == field


EVERY_PARTY = [
    {"role": "implementing", "name": "实施主体"},
    {"role": "contractor", "name": "施工单位", "organisation": "某建设公司"},
    {"role": "supervisor", "name": "监理"},
    {"role": "street", "name": "街道"},
    {"role": "building_lead", "name": "周楼长"},
]


def test_the_joint_acceptance_keeps_every_signatory_in_order():
    people = joint_signatories(EVERY_PARTY)

    assert people[1] == ("contractor", "施工单位", "某建设公司")
    assert [role for role, _, _ in people] == [p["role"] for p in EVERY_PARTY]


def test_the_joint_acceptance_names_the_parties_missing():
    without = [p for p in EVERY_PARTY if p["role"] not in ("supervisor", "building_lead")]

    with pytest.raises(ApplicationError) as refused:
        joint_signatories(without)

    assert refused.value.field == "signatories"
    assert "监理单位、居民代表或楼道长" in str(refused.value)
