"""The session's demo world (tests/conftest.py): copied into the tables for a test and out again after it."""

from __future__ import annotations

import pytest

from tests.conftest import CLEAN, DEMO


@pytest.mark.django_db
def test_the_demo_world_is_copied_in_and_out(demo_snapshots):
    from gaizao.accounts.models import User
    from gaizao.programme.models import Project

    assert not Project.objects.exists()
    demo_snapshots.restore(DEMO)
    assert Project.objects.filter(is_sample=True).exists()
    assert User.objects.filter(username="city").exists()
    # the sequences follow the copied rows: a new row does not collide with one of the world's
    assert User.objects.create(username="after-the-copy").pk > User.objects.get(username="city").pk
    demo_snapshots.restore(CLEAN)
    assert not Project.objects.exists()
    assert not User.objects.filter(username__in=["city", "after-the-copy"]).exists()
