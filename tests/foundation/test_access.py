from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from gaizao.accounts.access import (
    can_write,
    get_scoped,
    mask_name,
    mask_phone,
    scope_path,
    scoped,
    sees_personal_data,
)
from gaizao.divisions.models import Division


@pytest.mark.django_db
def test_scope_path_per_role(accounts):
    assert scope_path(accounts["city"]) == "330100"
    assert scope_path(accounts["ndrc"]) == "330100"
    assert scope_path(accounts["shangcheng"]) == "330100/330102"
    assert scope_path(accounts["qingbo"]) == "330100/330102/330102001"
    assert scope_path(accounts["qingbomen"]) == "330100/330102/330102001/330102001051"
    # a utility reads only what it is invited to: no scope of its own, its division for invitation-filtered reads
    assert scope_path(accounts["water"]) is None
    assert scope_path(accounts["water"], invited=True) == "330100"
    # residents and the public read through their own pages, never scoped lists
    assert scope_path(accounts["resident"]) is None
    assert scope_path(accounts["public"]) is None
    assert scope_path(AnonymousUser()) is None


@pytest.mark.django_db
def test_inactive_account_sees_nothing(accounts):
    user = accounts["shangcheng"]
    user.is_active = False
    assert scope_path(user) is None


@pytest.mark.django_db
def test_scoped_filters_by_division_prefix_not_string_prefix(accounts):
    qs = Division.objects.all()
    shangcheng_rows = scoped(qs, accounts["shangcheng"], field="path")
    assert shangcheng_rows.filter(code="330102001051").exists()
    assert not shangcheng_rows.filter(code="330106").exists()
    # 3301021 must not match 330102 as a mere string prefix
    assert all(
        p == "330100/330102" or p.startswith("330100/330102/")
        for p in shangcheng_rows.values_list("path", flat=True)
    )
    assert not scoped(qs, accounts["resident"], field="path").exists()


@pytest.mark.django_db
def test_get_scoped_answers_404_outside_scope(accounts):
    xihu_street = Division.objects.filter(parent__code="330106").first()
    with pytest.raises(Http404):
        get_scoped(Division.objects.all(), accounts["shangcheng"], field="path", pk=xihu_street.pk)
    assert (
        get_scoped(Division.objects.all(), accounts["xihu"], field="path", pk=xihu_street.pk) == xihu_street
    )


@pytest.mark.django_db
def test_write_rights_follow_role_and_scope(accounts):
    qingbomen = Division.objects.get(code="330102001051")
    xihu = Division.objects.get(code="330106")
    assert can_write(accounts["city"], xihu)
    assert can_write(accounts["shangcheng"], qingbomen)
    assert not can_write(accounts["shangcheng"], xihu)
    assert can_write(accounts["qingbomen"], qingbomen)
    assert not can_write(accounts["qingbomen"], qingbomen.parent)
    assert not can_write(accounts["ndrc"], qingbomen)  # reviewers read, they do not edit
    assert not can_write(accounts["water"], qingbomen)
    assert not can_write(accounts["resident"], qingbomen)
    assert not can_write(AnonymousUser(), qingbomen)


@pytest.mark.django_db
def test_personal_data_roles(accounts):
    assert sees_personal_data(accounts["qingbomen"])
    assert sees_personal_data(accounts["shangcheng"])
    assert not sees_personal_data(accounts["ndrc"])
    assert not sees_personal_data(accounts["water"])
    assert not sees_personal_data(accounts["public"])


def test_masks():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"
    assert mask_name("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"
