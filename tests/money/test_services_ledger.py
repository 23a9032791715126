"""The ledger: append-only entries, reversals, balances in the database, roll-ups that reconcile, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from gaizao.audit.models import AuditEvent
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.money import selectors, services
from gaizao.money.models import LedgerEntry
from gaizao.policy.settlement import LedgerLine, ledger_balances
from gaizao.programme.models import ProjectState

from .conftest import TODAY, record

D = Decimal


def test_balances_by_source_are_summed_in_the_database(accounts, funded):
    officer = accounts["shangcheng"]
    commitment = record(officer, funded, "commitment", "district_funds", "1800000.00", doc="HT-001")
    record(
        officer, funded, "payment", "district_funds", "600000.00", doc="ZF-001", commitment_id=commitment.pk
    )
    record(officer, funded, "payment", "central_provincial", "400000.50", doc="ZF-002")
    record(officer, funded, "refund", "utilities", "100000.00", doc="TH-001")
    record(officer, funded, "adjustment", "utilities", "-50000.00", doc="TZ-001")

    result = selectors.project_balances(funded)
    by_source = {r["source"]: r for r in result["sources"]}
    district = by_source["district_funds"]
    assert (district["budgeted"], district["received"], district["committed"], district["paid"]) == (
        D("3000000.00"),
        D("2000000.00"),
        D("1800000.00"),
        D("600000.00"),
    )
    assert district["remaining"] == D("2400000.00")
    assert district["available"] == D("1400000.00")
    assert by_source["utilities"]["budgeted"] == D("450000.00")
    assert by_source["utilities"]["received"] == D("200000.00")
    assert result["total"]["paid"] == D("1000000.50")
    assert result["total"]["budgeted"] == D("4450000.00")

    # the pure reference agrees, to the fen
    lines = [LedgerLine(e.source, e.kind, e.amount) for e in LedgerEntry.objects.filter(project=funded)]
    reference = ledger_balances(lines)
    for source, row in by_source.items():
        assert reference[source].paid == row["paid"]
        assert reference[source].received == row["received"]
        assert reference[source].remaining == row["remaining"]


def test_every_entry_is_audited_and_carries_its_attachment(accounts, project):
    upload = SimpleUploadedFile("voucher.pdf", b"%PDF-1.4 voucher", content_type="application/pdf")
    entry = record(accounts["shangcheng"], project, "budget", "district_funds", "100.00", attachment=upload)
    assert entry.attachment.name.endswith(".pdf")
    assert entry.district.code == "330102" and entry.street.code == "330102001"
    assert AuditEvent.objects.filter(action="money.entry.budget", object_id=str(entry.pk)).exists()


def test_entries_are_never_changed_or_deleted(accounts, project):
    entry = record(accounts["shangcheng"], project, "budget", "district_funds", "100.00")
    entry.amount = D("200.00")
    with pytest.raises(ApplicationError):
        entry.save()
    with pytest.raises(ApplicationError):
        entry.delete()
    with pytest.raises(ApplicationError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(ApplicationError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("100.00")


def test_a_mistake_is_reversed_with_a_reason(accounts, funded):
    officer = accounts["shangcheng"]
    wrong = record(officer, funded, "payment", "district_funds", "1000.00", doc="ZF-9")
    with pytest.raises(ApplicationError) as exc:
        services.entry_reverse(actor=officer, entry=wrong, reason="  ")
    assert exc.value.field == "reason"
    reversal = services.entry_reverse(actor=officer, entry=wrong, reason="金额录错 / wrong amount")
    assert reversal.amount == D("-1000.00") and reversal.reverses == wrong
    assert selectors.project_balances(funded)["total"]["paid"] == D("0.00")
    with pytest.raises(ApplicationError, match="already reversed"):
        services.entry_reverse(actor=officer, entry=wrong, reason="again")
    with pytest.raises(ApplicationError, match="cannot be reversed"):
        services.entry_reverse(actor=officer, entry=reversal, reason="again")
    assert AuditEvent.objects.filter(action="money.entry_reverse").count() == 1


def test_a_reversal_without_reason_is_refused_by_the_database(accounts, project):
    entry = record(accounts["shangcheng"], project, "budget", "district_funds", "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            project=project,
            division=project.division,
            district=project.district,
            source="district_funds",
            kind="budget",
            amount=D("-100.00"),
            date=TODAY,
            document_number="X",
            reverses=entry,
            reason="",
        )


def test_payment_above_received_funds_is_refused_and_nothing_written(accounts, funded):
    officer = accounts["shangcheng"]
    before = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError) as exc:
        record(officer, funded, "payment", "utilities", "300000.01")
    assert exc.value.field == "amount" and exc.value.code == "above_received"
    assert "三(三)" in exc.value.message
    assert LedgerEntry.objects.count() == before
    record(officer, funded, "payment", "utilities", "300000.00")


def test_payment_above_commitment_is_refused(accounts, funded):
    officer = accounts["shangcheng"]
    commitment = record(officer, funded, "commitment", "district_funds", "500000.00", doc="HT-1")
    record(officer, funded, "payment", "district_funds", "400000.00", commitment_id=commitment.pk)
    with pytest.raises(ApplicationError) as exc:
        record(officer, funded, "payment", "district_funds", "100000.01", commitment_id=commitment.pk)
    assert exc.value.code == "above_commitment"
    with pytest.raises(ApplicationError, match="reverse them first"):
        services.entry_reverse(actor=officer, entry=commitment, reason="合同解除")


def test_reversing_a_receipt_already_spent_is_refused(accounts, funded):
    officer = accounts["shangcheng"]
    receipt = LedgerEntry.objects.get(project=funded, source="utilities", kind="received")
    record(officer, funded, "payment", "utilities", "1.00")
    with pytest.raises(ApplicationError) as exc:
        services.entry_reverse(actor=officer, entry=receipt, reason="退回")
    assert exc.value.code == "above_received"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("amount", {"amount": "10.001"}),
        ("amount", {"amount": "-5.00"}),
        ("amount", {"amount": "abc"}),
        ("amount", {"amount": "0"}),
        ("source", {"source": "lottery"}),
        ("kind", {"kind": "gift"}),
        ("document_number", {"doc": " "}),
        ("date", {"date": "2026-13-01"}),
        ("attachment", {"attachment": SimpleUploadedFile("x.exe", b"MZ")}),
    ],
)
def test_bad_input_is_refused_naming_the_field(accounts, project, field, kwargs):
    args = {"kind": "budget", "source": "district_funds", "amount": "100.00", **kwargs}
    with pytest.raises(ApplicationError) as exc:
        record(
            accounts["shangcheng"], project, args.pop("kind"), args.pop("source"), args.pop("amount"), **args
        )
    assert exc.value.field == field
    assert LedgerEntry.objects.count() == 0


def test_more_than_two_decimals_names_the_precision_rule(accounts, project):
    with pytest.raises(ApplicationError) as exc:
        record(accounts["shangcheng"], project, "budget", "district_funds", "1.234")
    assert exc.value.code == "precision" and "fen" in exc.value.message


def test_entry_on_a_closed_or_withdrawn_project_is_refused(accounts, project, xihu_project):
    officer = accounts["shangcheng"]
    record(officer, project, "budget", "district_funds", "100.00")
    services.account_close(actor=officer, project=project, reason="决算完毕")
    with pytest.raises(ApplicationError) as exc:
        record(officer, project, "budget", "district_funds", "100.00")
    assert exc.value.field == "project" and exc.value.code == "account_closed"
    xihu_project.state = ProjectState.WITHDRAWN
    xihu_project.save()
    with pytest.raises(ApplicationError) as exc:
        record(accounts["xihu"], xihu_project, "budget", "district_funds", "100.00")
    assert exc.value.code == "project_closed"


def test_community_must_belong_to_the_project(accounts, project, communities):
    with pytest.raises(ApplicationError) as exc:
        record(
            accounts["shangcheng"],
            project,
            "budget",
            "district_funds",
            "1.00",
            community_id=communities["laodong"].pk,
        )
    assert exc.value.field == "community"


def test_roles_and_scope_guard_writes(accounts, project):
    for username in ("xihu", "qingbomen", "water", "finance", "resident"):
        with pytest.raises(PermissionError_):
            record(accounts[username], project, "budget", "district_funds", "1.00")
    record(accounts["qingbo"], project, "budget", "district_funds", "1.00")
    record(accounts["city"], project, "budget", "district_funds", "1.00")


def test_totals_reconcile_project_street_district_city(accounts, project, unit_project, xihu_project):
    record(accounts["shangcheng"], project, "budget", "district_funds", "100.10")
    record(accounts["shangcheng"], unit_project, "budget", "district_funds", "200.20")
    record(accounts["shangcheng"], unit_project, "received", "district_funds", "50.05")
    record(accounts["xihu"], xihu_project, "budget", "utilities", "300.33")
    city = accounts["city"]
    totals = {level: selectors.rollup(city, level) for level in ("project", "street", "district", "city")}
    for key in ("budgeted", "received", "paid", "committed", "remaining"):
        values = {level: sum((r[key] for r in rows), D(0)) for level, rows in totals.items()}
        assert len(set(values.values())) == 1, (key, values)
    assert totals["city"][0]["budgeted"] == D("600.63")
    assert {r["name"] for r in totals["district"]} == {"上城区", "西湖区"}
    # a district officer sees only its district
    assert sum(r["budgeted"] for r in selectors.rollup(accounts["xihu"], "city")) == D("300.33")


def test_the_pages_one_pass_roll_up_equals_the_grouped_rollups(accounts, project, unit_project, xihu_project):
    record(accounts["shangcheng"], project, "budget", "district_funds", "100.10")
    record(accounts["shangcheng"], unit_project, "budget", "district_funds", "200.20")
    record(accounts["shangcheng"], unit_project, "received", "district_funds", "50.05")
    record(accounts["shangcheng"], unit_project, "payment", "district_funds", "20.01")
    record(accounts["xihu"], xihu_project, "budget", "utilities", "300.33")
    for user in (accounts["city"], accounts["xihu"]):
        scope = selectors.scope_balances(user)
        assert scope["districts"] == selectors.rollup(user, "district")
        city = selectors.rollup(user, "city")[0]
        assert {k: v for k, v in scope["city"].items() if k != "entries"} == city
        assert scope["sources"] == selectors.balances(selectors.entries_for(user), "source")
    assert [r["name"] for r in selectors.scope_balances(accounts["city"])["districts"]] == [
        "上城区",
        "西湖区",
    ]


def test_the_database_refuses_to_change_an_entry(accounts, project):
    from django.db import DatabaseError, connection

    entry = record(accounts["shangcheng"], project, "budget", "district_funds", "100.00")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE money_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("100.00")


def test_balances_show_the_plan_time_funding_beside_the_ledger(accounts, project):
    from gaizao.programme.models import Plan, PlanVersion

    plan = Plan.objects.get(project=project)
    plan.current_version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        mode="comprehensive_improvement",
        estimate=D("300.00"),
        funding_total=D("300.00"),
        funding={"district_funds": "200", "utilities": "100.00"},
    )
    plan.save()
    record(accounts["shangcheng"], project, "budget", "district_funds", "250.00")
    result = selectors.project_balances(project)
    rows = {r["source"]: r for r in result["sources"]}
    assert rows["district_funds"]["planned"] == D("200.00") and rows["district_funds"]["budgeted"] == D(
        "250.00"
    )
    assert rows["utilities"]["planned"] == D("100.00") and rows["utilities"]["budgeted"] == D("0.00")
    assert result["total"]["planned"] == D("300.00")
