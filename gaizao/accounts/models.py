"""Accounts, roles and their scopes.

Every account has one role and one scope in the division tree (DESIGN.md, Users). What a role may see and
change is decided in ``gaizao.accounts.access``; views and the API never decide it themselves.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_COORDINATOR = "city_coordinator", _("市级统筹 / City coordinator")
    MUNICIPAL_REVIEWER = "municipal_reviewer", _("市级审查部门 / Municipal reviewer")
    DISTRICT_OFFICER = "district_officer", _("区县住建 / District officer")
    STREET_IMPLEMENTER = "street_implementer", _("街道乡镇 / Street implementer")
    COMMUNITY_ORGANISER = "community_organiser", _("社区 / Community organiser")
    UTILITY = "utility", _("管线单位 / Utility")
    DEPARTMENT = "department", _("职能部门 / Department")
    CONTRACTOR = "contractor", _("施工单位 / Contractor")
    SUPERVISOR = "supervisor", _("监理单位 / Supervisor")
    DESIGNER = "designer", _("设计·EPC·全过程咨询·代建单位 / Designer, EPC, consultant or agent")
    PROPERTY_SERVICE = "property_service", _("物业服务企业 / Property service company")
    RESIDENT = "resident", _("居民业主 / Resident")
    PUBLIC = "public", _("公众 / Public")


class Bureau(models.TextChoices):
    """The municipal bureaus that review annual plans and check funding (三(二))."""

    CONSTRUCTION = "construction", _("市建委 / Municipal Construction Commission")
    DEVELOPMENT_REFORM = "development_reform", _("市发改委 / Development and Reform Commission")
    PLANNING = "planning", _("市规划和自然资源局 / Planning and Natural Resources Bureau")
    FINANCE = "finance", _("市财政局 / Finance Bureau")


class UtilityKind(models.TextChoices):
    WATER = "water", _("供水 / Water")
    POWER = "power", _("供电 / Power")
    GAS = "gas", _("燃气 / Gas")
    TELECOM = "telecom", _("通信 / Telecom")


#: Roles whose scope is the whole city.
CITYWIDE_ROLES = frozenset({Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER})
#: Parties to delivery contracts: they see only the projects of their own contracts (``gaizao.delivery``).
CONTRACT_PARTY_ROLES = frozenset({Role.CONTRACTOR, Role.SUPERVISOR, Role.DESIGNER})
#: Roles that may change programme data inside their scope.
WRITER_ROLES = frozenset(
    {Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.COMMUNITY_ORGANISER}
)
#: Roles that see residents' personal data unmasked (inside their scope).
PERSONAL_DATA_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER, Role.COMMUNITY_ORGANISER})


class User(AbstractUser):
    role = models.CharField(_("角色 / role"), max_length=32, choices=Role.choices, default=Role.PUBLIC)
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("管辖范围 / scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    bureau = models.CharField(_("所属部门 / bureau"), max_length=32, choices=Bureau.choices, blank=True)
    utility_kind = models.CharField(
        _("管线类型 / utility"), max_length=16, choices=UtilityKind.choices, blank=True
    )
    #: For ``Role.DEPARTMENT`` (and utilities): the consultation department id from the rule set
    #: (``gaizao.policy.consultation_departments``) whose opinion this account records.
    department = models.CharField(_("所属部门（会商） / department"), max_length=60, blank=True)
    phone = models.CharField(_("手机号 / phone"), max_length=20, blank=True, db_index=True)
    display_name = models.CharField(_("姓名 / display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户 / user")
        verbose_name_plural = _("用户 / users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope_path(self) -> str | None:
        """The division path this account may see, or None when it sees no scoped data."""
        if self.division is None:
            return None
        return self.division.path


class ApiToken(models.Model):
    """A bearer token for the HTTP API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: After this moment the token is refused (``settings.API_TOKEN_TTL_DAYS`` after creation; null: never).
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌 / API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_raw() -> str:
        return "gz_" + secrets.token_urlsafe(32)


class Notice(models.Model):
    """A message to one account, shown on its own pages (for owners: the participation page).

    Used where something was done on the account holder's behalf or to their record: a paper ballot entered for
    an owner, a change of the unit an owner holds. Personal data of third parties never goes into ``text``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40)
    text = models.TextField()
    link = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知 / notice")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class ThrottleCounter(models.Model):
    """A counter of attempts under one key (a login account, a client address, a phone) in a time window.

    Incremented with one ``UPDATE … SET count = count + 1`` so parallel requests cannot pass it together
    (``gaizao.accounts.throttle``).
    """

    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
