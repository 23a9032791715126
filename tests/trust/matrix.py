"""Access-matrix cases of issue 18's least-privilege rule: a utility reads only what it is invited to — not the
units, owners, rolls or reports of every community (the apps' own matrices carry the rest of the rule)."""

from __future__ import annotations

from tests.matrix_types import Case, api_for, page_for, statuses

QINGBO_READERS = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen")


def _qingbo_pk() -> int:
    from gaizao.registry.models import Community

    return Community.objects.get(name="清波新村").pk


def _ballot_pk() -> int:
    from gaizao.participation.models import Ballot

    return Ballot.objects.filter(is_sample=True).order_by("pk").first().pk  # type: ignore[union-attr]


CASES = [
    Case(
        "utility: no community page outside its invitations",
        lambda: f"/registry/communities/{_qingbo_pk()}/",
        page_for(QINGBO_READERS),
        pattern="registry/communities/<int:pk>/",
    ),
    Case(
        "utility: no owners' roll",
        lambda: f"/api/v1/participation/ballots/{_ballot_pk()}/roll",
        api_for(QINGBO_READERS),
        pattern="api/v1/participation/ballots/{id}/roll",
    ),
    Case("liveness", "/healthz", statuses(200), pattern="healthz"),
    Case("readiness", "/readyz", statuses(200), pattern="readyz"),
]
