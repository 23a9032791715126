"""Commitments and payments under a delivery contract: never above the contract, never above received funds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gaizao.errors import ApplicationError
from gaizao.money import services
from gaizao.money.models import LedgerEntry

from .conftest import make_contract, record


def test_payment_above_the_contract_is_refused(accounts, funded):
    officer = accounts["shangcheng"]
    contract = make_contract(funded, amount="800000.00")
    record(officer, funded, "payment", "district_funds", "500000.00", contract_id=contract.pk)
    record(officer, funded, "payment", "central_provincial", "300000.00", contract_id=contract.pk)
    with pytest.raises(ApplicationError) as exc:
        record(officer, funded, "payment", "district_funds", "0.01", contract_id=contract.pk)
    assert exc.value.field == "amount" and exc.value.code == "above_contract"
    assert "HT-2026-001" in exc.value.message
    figures = services.contract_figures(contract)
    assert figures["paid"] == Decimal("800000.00") and figures["unpaid"] == Decimal("0.00")


def test_commitment_under_a_contract_carries_it_to_its_payments(accounts, funded):
    officer = accounts["shangcheng"]
    contract = make_contract(funded, amount="600000.00")
    commitment = record(officer, funded, "commitment", "district_funds", "600000.00", contract_id=contract.pk)
    with pytest.raises(ApplicationError) as exc:
        record(officer, funded, "commitment", "district_funds", "1.00", contract_id=contract.pk)
    assert exc.value.code == "above_contract"
    payment = record(officer, funded, "payment", "district_funds", "200000.00", commitment_id=commitment.pk)
    assert payment.contract == contract
    reversal = services.entry_reverse(actor=officer, entry=payment, reason="重复支付")
    assert reversal.contract == contract
    assert services.contract_figures(contract)["paid"] == Decimal("0.00")


def test_payment_within_contract_but_above_received_is_refused(accounts, funded):
    contract = make_contract(funded, amount="5000000.00")
    with pytest.raises(ApplicationError) as exc:
        record(accounts["shangcheng"], funded, "payment", "utilities", "300000.01", contract_id=contract.pk)
    assert exc.value.code == "above_received"
    assert not LedgerEntry.objects.filter(contract=contract).exists()


def test_contract_of_another_project_or_wrong_kind_is_refused(accounts, funded, xihu_project):
    other = make_contract(xihu_project, number="HT-XH-1")
    with pytest.raises(ApplicationError) as exc:
        record(accounts["shangcheng"], funded, "payment", "district_funds", "1.00", contract_id=other.pk)
    assert exc.value.field == "contract"
    mine = make_contract(funded, number="HT-SC-2")
    with pytest.raises(ApplicationError) as exc:
        record(accounts["shangcheng"], funded, "budget", "district_funds", "1.00", contract_id=mine.pk)
    assert exc.value.field == "contract"
