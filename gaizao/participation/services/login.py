"""Owner login by one-time code: request and verify, and the owner account made on first login."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gaizao.accounts.models import Role, User
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.participation.models import OneTimeCode
from gaizao.registry.models import Owner

OTP_TTL = dt.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
OTP_MAX_PER_WINDOW = 5
OTP_WINDOW = dt.timedelta(minutes=15)
OTP_JOB_KIND = "participation.otp_send"


def _code_digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"otp|{phone}|{code}".encode(), hashlib.sha256).hexdigest()


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or not digits.startswith("1"):
        raise ApplicationError(
            "请输入 11 位手机号。/ phone must be an 11-digit mobile number.", field="phone"
        )
    return digits


def _code_for(phone: str, nonce: str) -> str:
    """The 6-digit code of one request: an HMAC of the request's nonce under the server key, truncated as in
    HOTP (RFC 4226). The nonce travels to the sending job; the code itself is never stored."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"otp-code|{phone}|{nonce}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 1_000_000:06d}"


def otp_request(*, phone: str, client: str = "") -> str:
    """Start a one-time code for ``phone``: store its keyed digest and enqueue the send as a job; the job delivers
    the code only when the phone is an owner's (``otp_deliver``). Returns the code only to the caller that shows it
    in the development banner.

    Does the same work and answers the same way whether or not the phone is an owner's: the same limits (per phone
    and per client address, counted for every phone), the same rows written (a code and a job), the same result,
    and no owner lookup on the request's path — so phone numbers cannot be enumerated through this door, by the
    answer or by its time.
    """
    from gaizao.accounts import throttle
    from gaizao.jobs.services import job_start

    phone = normalise_phone(phone)
    window_s = int(OTP_WINDOW.total_seconds())
    too_many = (
        throttle.hit(throttle.client_key(phone, kind="otp-phone"), window_s=window_s) > OTP_MAX_PER_WINDOW
    )
    if client:
        by_client = throttle.hit(throttle.client_key(client, kind="otp-client"), window_s=window_s)
        too_many = too_many or by_client > settings.OTP_REQUESTS_PER_CLIENT
    if too_many:
        raise ApplicationError(
            "验证码请求过于频繁，请 15 分钟后再试。/ Too many codes requested; try again in 15 minutes.",
            field="phone",
        )
    nonce = secrets.token_hex(16)
    code = _code_for(phone, nonce)
    with transaction.atomic():
        now = timezone.now()
        OneTimeCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        OneTimeCode.objects.create(phone=phone, digest=_code_digest(phone, code), expires_at=now + OTP_TTL)
        job_start(
            kind=OTP_JOB_KIND,
            title="发送登录验证码 / Send a login code",
            owner=None,
            params={"phone": phone, "nonce": nonce},
        )
    return code


def otp_deliver(*, phone: str, nonce: str) -> None:
    """The sending job: deliver the request's code through ``settings.OTP_SENDER`` when ``phone`` is an owner's
    (not a developer's); for any other phone nothing is sent, and the code on record simply expires."""
    from gaizao.participation.otp import get_sender

    if Owner.objects.filter(phone=phone, is_developer=False).exists():
        get_sender().send(phone=phone, code=_code_for(phone, nonce))


def otp_verify(*, phone: str, code: str) -> User:
    """Check a one-time code and return the owner's account (created as a resident account on first login)."""
    phone = normalise_phone(phone)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise ApplicationError(
                "验证码无效或已过期，请重新获取。/ The code is invalid or expired; request a new one.",
                field="code",
            )
        if row.attempts >= OTP_MAX_ATTEMPTS:
            raise ApplicationError(
                "验证码错误次数过多，请重新获取。/ Too many wrong codes; request a new one.", field="code"
            )
        row.attempts += 1
        ok = hmac.compare_digest(row.digest, _code_digest(phone, code))
        if ok:
            row.used_at = timezone.now()
        row.save(update_fields=["attempts", "used_at"])
    if not ok:
        raise ApplicationError("验证码错误。/ The code is wrong.", field="code")
    return _owner_account(phone=phone)


@transaction.atomic
def _owner_account(*, phone: str) -> User:
    owner = Owner.objects.select_for_update().filter(phone=phone, is_developer=False).order_by("pk").first()
    if owner is None:  # the same answer as a wrong code: the login does not tell owners' phones apart
        raise ApplicationError("验证码错误。/ The code is wrong.", field="code")
    if owner.user is not None:
        user = owner.user
        if not user.is_active:
            raise PermissionError_("账户已停用。/ The account is disabled.")
        if user.phone and user.phone != phone:
            # The owner's phone changed after the account was made: the account does not follow a new phone
            # until the change is verified (an import cannot hand someone else the owner's login).
            raise PermissionError_(
                "该手机号与业主账号登记的手机号不一致，请联系社区核实。/ The phone differs from the one the owner's "
                "account was registered with; ask your community to verify the change."
            )
    else:
        user = User(
            username=f"owner-{owner.pk}",
            role=Role.RESIDENT,
            division=owner.division,
            phone=phone,
            display_name=owner.name,
        )
        user.set_unusable_password()
        user.save()
        owner.user = user
        owner.save(update_fields=["user"])
        audit_record(actor=None, action="owner_account_create", obj=owner, changes={"user": [None, user.pk]})
    audit_record(actor=user, action="owner_login_otp", obj=owner)
    return user
