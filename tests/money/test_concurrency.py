"""Two payments at the same moment cannot overdraw a commitment or the received funds of a source.

Each thread has its own database connection and its own transaction; the service locks the project account and the
commitment with ``SELECT … FOR UPDATE``, so the checks of one payment see the other's effect. Run on PostgreSQL
(``DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gz_money``): SQLite's in-memory test database shares one
connection between threads and would serialise the threads before the lock is ever needed.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from gaizao.errors import ApplicationError
from gaizao.money import selectors, services

from .conftest import record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (set DATABASE_URL)"
    ),
]


def _race(n: int, pay) -> tuple[int, int]:
    barrier = threading.Barrier(n, timeout=30)
    outcome = {"ok": 0, "refused": 0}
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait()
            pay(i)
            with lock:
                outcome["ok"] += 1
        except ApplicationError:
            with lock:
                outcome["refused"] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome["ok"], outcome["refused"]


def test_simultaneous_payments_cannot_overdraw_a_commitment(accounts, funded):
    officer = accounts["shangcheng"]
    commitment = record(officer, funded, "commitment", "district_funds", "500000.00", doc="HT-1")
    ok, refused = _race(
        8,
        lambda i: record(
            officer,
            funded,
            "payment",
            "district_funds",
            "100000.00",
            doc=f"ZF-{i}",
            commitment_id=commitment.pk,
        ),
    )
    assert (ok, refused) == (5, 3)
    assert services.commitment_outstanding(commitment) == Decimal("0.00")
    assert selectors.project_balances(funded)["total"]["paid"] == Decimal("500000.00")


def test_simultaneous_payments_cannot_overdraw_received_funds(accounts, funded):
    officer = accounts["shangcheng"]
    ok, refused = _race(
        6, lambda i: record(officer, funded, "payment", "utilities", "100000.00", doc=f"U-{i}")
    )
    assert (ok, refused) == (3, 3)
    assert services.source_available(funded, "utilities") == Decimal("0.00")
