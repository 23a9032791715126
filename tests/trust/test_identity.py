"""Owner identity: an import matches owners by ID number only inside the importer's scope, never moves an owner's
login account, and audits every change of an owner (issue 18, "Owner takeover")."""

from __future__ import annotations

import pytest

from gaizao.accounts.models import Notice
from gaizao.audit.models import AuditEvent
from gaizao.errors import PermissionError_
from gaizao.participation import services
from gaizao.registry.importing import import_file
from gaizao.registry.models import Owner, Unit
from gaizao.registry.services import id_number_digest
from tests.trust.conftest import id_number, units_csv

VICTIM_ID = id_number("33010219700101123")
ATTACKER_PHONE = "13800000000"


def _import(rows, actor):
    return import_file(kind="units", data=units_csv(rows), filename="units.csv", actor=actor)


def test_an_officer_of_xihu_cannot_take_over_a_shangcheng_owner(world, accounts, xihu_building):
    # given a 上城区 owner with an account and a registered ID number
    victim = world.owners[0]
    victim.id_number_digest = id_number_digest(VICTIM_ID)
    victim.id_number_last4 = VICTIM_ID[-4:]
    victim.save()
    # when a 西湖区 officer imports a unit of its own community with the victim's ID number and its own phone
    report = _import(
        [
            {
                "community_code": "T-XH-1",
                "building_code": "1",
                "number": "101",
                "owner_name": "攻击者",
                "owner_phone": ATTACKER_PHONE,
                "owner_id_number": VICTIM_ID,
            }
        ],
        accounts["xihu"],
    )
    # then the row is imported for a new owner of 西湖区; the victim keeps name, phone and account
    assert report.ok and report.created == 1
    victim.refresh_from_db()
    assert (victim.name, victim.phone) == ("业主1", "13900000001")
    unit = Unit.objects.get(building=xihu_building, number="101")
    assert unit.owner_id != victim.pk and unit.owner.division.code == "330106002051"
    # and a code sent to the attacker's phone logs in as the new owner, never as the victim
    services.otp_request(phone=ATTACKER_PHONE)
    code = services.otp_request(phone=ATTACKER_PHONE)
    user = services.otp_verify(phone=ATTACKER_PHONE, code=code)
    assert user.pk != victim.user_id


def test_an_import_cannot_change_the_phone_of_an_owner_with_an_account(world, accounts):
    victim = world.owners[0]
    unit = victim.units.get()
    report = _import(
        [
            {
                "community_code": world.community.code,
                "building_code": "1",
                "stairwell": unit.stairwell,
                "number": unit.number,
                "owner_name": victim.name,
                "owner_phone": ATTACKER_PHONE,
            }
        ],
        accounts["qingbomen"],
    )
    assert not report.ok
    ((error,),) = [report.errors]
    assert error.column == "业主手机号" and "已绑定登录账号" in error.message
    victim.refresh_from_db()
    assert victim.phone == "13900000001"


def test_the_account_does_not_follow_a_phone_changed_behind_its_back(world):
    # a phone changed directly in the database (not by a verified change) does not carry the login with it
    victim = world.owners[0]
    Owner.objects.filter(pk=victim.pk).update(phone=ATTACKER_PHONE)
    code = services.otp_request(phone=ATTACKER_PHONE)
    with pytest.raises(PermissionError_):
        services.otp_verify(phone=ATTACKER_PHONE, code=code)


def test_a_change_of_an_unlinked_owner_is_audited_masked(world, accounts):
    owner = world.owners[1]
    owner.user = None
    owner.save()
    unit = owner.units.get()
    report = _import(
        [
            {
                "community_code": world.community.code,
                "building_code": "1",
                "stairwell": unit.stairwell,
                "number": unit.number,
                "owner_name": owner.name,
                "owner_phone": "13711112222",
            }
        ],
        accounts["qingbomen"],
    )
    assert report.ok, report.errors
    owner.refresh_from_db()
    assert owner.phone == "13711112222"
    event = AuditEvent.objects.filter(object_id=str(owner.pk), action="update").get()
    assert event.changes == {"phone": ["139****0002", "137****2222"]}
    assert "13711112222" not in str(event.changes)


def test_an_owner_with_an_account_is_notified_when_an_import_gives_their_unit_away(world, accounts):
    victim = world.owners[0]
    unit = victim.units.get()
    report = _import(
        [
            {
                "community_code": world.community.code,
                "building_code": "1",
                "stairwell": unit.stairwell,
                "number": unit.number,
                "owner_name": "新业主",
                "owner_phone": "13722223333",
            }
        ],
        accounts["qingbomen"],
    )
    assert report.ok, report.errors
    unit.refresh_from_db()
    assert unit.owner.name == "新业主"
    notice = Notice.objects.get(user=victim.user)
    assert notice.kind == "unit_owner_changed"
    assert AuditEvent.objects.filter(object_id=str(unit.pk), action="update").exists()


def test_importer_keeps_no_copy_of_the_id_number_hash():
    from gaizao.registry.importing import validation

    # one function computes the digest the importer matches and the registry stores
    assert not hasattr(validation, "id_number_digest")


def test_production_refuses_to_start_with_the_console_code_sender():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "GAIZAO_OTP_SENDER"}}
    env.update(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="gaizao.example.gov.cn")
    result = subprocess.run(
        [sys.executable, "-m", "gaizao.cli", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "GAIZAO_OTP_SENDER must name a real SMS sender" in result.stderr
