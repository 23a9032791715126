"""Resident participation (四(二)): owners' votes counted per 民法典 第278条, needs surveys (问需), supervision
reports (报事) during works and satisfaction evaluation after completion.

A ``Ballot`` is one vote on one Art. 278 matter for one scope (a community, a building or one stairwell). When it
opens, the owner roll is frozen into ``RollEntry`` rows (area and its source, per 法释〔2009〕7号 第8、9条); later
corrections are proposed (``RollCorrectionProposal``), approved by a second account and kept as ``RollCorrection``
rows with a reason. Each paper / online / door-to-door / proxy ballot paper is a
``Vote``; per owner at most one is ``is_current`` (a database constraint), replaced ones stay in history. Every vote
carries a hash that includes the previous vote's hash, so the published chain makes later edits evident.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gaizao.divisions.models import Division


class Purpose(models.TextChoices):
    RENOVATION_CONSENT = "renovation_consent", _("改造意愿/同意 / renovation consent")
    PLAN_APPROVAL = "plan_approval", _("方案认可 / plan approval")
    ELEVATOR = "elevator", _("加装电梯 / elevator installation")
    OTHER = "other", _("其他事项 / other")


class ScopeKind(models.TextChoices):
    COMMUNITY = "community", _("小区 / community")
    BUILDING = "building", _("楼栋 / building")
    STAIRWELL = "stairwell", _("单元 / stairwell")


class BallotStatus(models.TextChoices):
    DRAFT = "draft", _("草稿 / draft")
    OPEN = "open", _("表决中 / open")
    CLOSED = "closed", _("已截止 / closed")
    PUBLISHED = "published", _("已公示 / published")


class Choice(models.TextChoices):
    YES = "yes", _("同意 / yes")
    NO = "no", _("反对 / no")
    ABSTAIN = "abstain", _("弃权 / abstain")


class Channel(models.TextChoices):
    ONLINE = "online", _("线上 / online")
    PAPER = "paper", _("纸质票 / paper")
    DOOR_TO_DOOR = "door_to_door", _("入户扫楼 / door to door")
    PROXY = "proxy", _("委托代理 / proxy")


class Ballot(models.Model):
    community = models.ForeignKey(
        "registry.Community", verbose_name=_("小区 / community"), on_delete=models.PROTECT, related_name="+"
    )
    matter = models.PositiveSmallIntegerField(_("表决事项（民法典第278条） / matter (Civil Code Art. 278)"))
    purpose = models.CharField(_("用途 / purpose"), max_length=32, choices=Purpose.choices)
    question = models.TextField(_("表决问题 / question"))
    scope_kind = models.CharField(_("表决范围 / scope"), max_length=16, choices=ScopeKind.choices)
    building = models.ForeignKey(
        "registry.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stairwell = models.CharField(_("单元 / stairwell"), max_length=10, blank=True)
    #: "c<community>", "b<building>" or "s<building>:<stairwell>": the key of the one-open-ballot constraint.
    scope_key = models.CharField(max_length=64, editable=False)
    #: the project (programme code) a consent or plan-approval ballot is opened for; the FK link lives in programme.
    project_ref = models.CharField(_("项目编号 / project"), max_length=60, blank=True, db_index=True)
    opens_at = models.DateTimeField(_("开始时间 / opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间 / closes at"), null=True, blank=True)
    open_vote = models.BooleanField(
        _("公开表决（议事规则规定） / open vote (community rules)"),
        default=False,
        help_text=_("表决中组织者可见各票选择 / organisers see choices while the vote is open"),
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=16,
        choices=BallotStatus.choices,
        default=BallotStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    #: the next vote's sequence number; the row is locked while a vote is recorded (serialises the hash chain).
    vote_seq = models.PositiveIntegerField(default=0)
    chain_head = models.CharField(max_length=64, blank=True)
    #: the head before the last paper was appended (written by the same statement, which returns it as that
    #: paper's ``prev_hash``)
    chain_prev = models.CharField(max_length=64, blank=True, editable=False)
    #: ``VoteTally.to_dict()`` at closing (and republished unchanged).
    result = models.JSONField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    quorum_met = models.BooleanField(null=True)
    is_sample = models.BooleanField(_("示例数据 / sample data"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("业主表决 / owners' ballot")
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "scope_key"],
                condition=Q(status="open"),
                name="participation_one_open_ballot_per_matter_scope",
            ),
            models.CheckConstraint(
                condition=Q(matter__gte=1, matter__lte=9), name="participation_matter_1_9"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community.name} · {self.question[:40]}"

    @property
    def division(self) -> Division:
        return self.community.division

    @property
    def scope_label(self) -> str:
        if self.scope_kind == ScopeKind.COMMUNITY:
            return self.community.name
        label = f"{self.community.name} {self.building.code}幢" if self.building else self.community.name
        if self.scope_kind == ScopeKind.STAIRWELL:
            label += f" {self.stairwell}单元"
        return label


class RollEntry(models.Model):
    """One unit (专有部分) on the frozen owner roll of a ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="roll")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="+")
    unit_label = models.CharField(max_length=80)
    owner = models.ForeignKey(
        "registry.Owner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: the id the tally counts under: the owner's id, "developer" for all developer-held units, "unit<id>" if unknown
    owner_key = models.CharField(max_length=40, db_index=True)
    area_m2 = models.DecimalField(max_digits=10, decimal_places=2)
    area_source = models.CharField(max_length=16)
    developer_held = models.BooleanField(default=False)
    corrected = models.BooleanField(default=False)

    class Meta:
        ordering = ["ballot", "unit_label"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="participation_roll_unit_once")
        ]
        verbose_name = _("表决名册 / roll entry")

    def __str__(self) -> str:
        return self.unit_label


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待复核 / pending")
    APPROVED = "approved", _("已批准 / approved")
    REJECTED = "rejected", _("已驳回 / rejected")
    LAPSED = "lapsed", _("已失效 / lapsed")


class RollCorrectionProposal(models.Model):
    """A proposed correction of a frozen roll entry (area and / or owner). It changes nothing until another
    authorised account than the proposer approves it; then its changes become ``RollCorrection`` rows."""

    entry = models.ForeignKey(RollEntry, on_delete=models.CASCADE, related_name="proposals")
    area_m2 = models.DecimalField(_("更正面积 m² / area m²"), max_digits=10, decimal_places=2, null=True)
    owner = models.ForeignKey(
        "registry.Owner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("原因 / reason"))
    status = models.CharField(
        _("状态 / status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        verbose_name = _("名册更正申请 / proposed roll correction")
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="pending"),
                name="participation_one_pending_correction_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.status}"


class RollCorrection(models.Model):
    entry = models.ForeignKey(RollEntry, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=80, blank=True)
    new_value = models.CharField(max_length=80, blank=True)
    reason = models.TextField()
    #: who proposed the correction
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the second account that approved it (corrections made before approvals were required have none)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.ForeignKey(
        RollCorrectionProposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("名册更正 / roll correction")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class Vote(models.Model):
    """One ballot paper. Replaced papers stay (``is_current=False``) with the one that replaced them."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="votes")
    seq = models.PositiveIntegerField()
    owner = models.ForeignKey("registry.Owner", on_delete=models.PROTECT, related_name="+")
    owner_key = models.CharField(max_length=40)
    choice = models.CharField(_("选择 / choice"), max_length=8, choices=Choice.choices)
    channel = models.CharField(_("渠道 / channel"), max_length=16, choices=Channel.choices)
    is_current = models.BooleanField(default=True)
    cast_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    serial_number = models.CharField(_("纸质票编号 / paper serial number"), max_length=40, blank=True)
    scan = models.FileField(
        _("纸质票扫描件 / scanned paper ballot"), upload_to="participation/scans/%Y/%m/", blank=True
    )
    witness_name = models.CharField(_("见证人 / witness"), max_length=100, blank=True)
    proxy_name = models.CharField(_("代理人 / proxy"), max_length=100, blank=True)
    proxy_authorisation = models.FileField(
        _("授权委托书 / proxy authorisation"), upload_to="participation/proxies/%Y/%m/", blank=True
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    receipt_digest = models.CharField(max_length=64, unique=True)
    #: A paper entered by an organiser that replaced the owner's own online vote: counted, but flagged until
    #: someone checks the scan against the owner (the owner is notified as well).
    needs_review = models.BooleanField(_("待复核 / needs review"), default=False)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["ballot", "seq"]
        verbose_name = _("选票 / ballot paper")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "owner_key"],
                condition=Q(is_current=True),
                name="participation_one_current_vote_per_owner",
            ),
            models.UniqueConstraint(fields=["ballot", "seq"], name="participation_vote_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq}"


class OneTimeCode(models.Model):
    """A login code sent to an owner's phone. Only a keyed digest is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "one-time code"


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("进行中 / open")
    CLOSED = "closed", _("已结束 / closed")


class CommunitySurvey(models.Model):
    """What the needs survey and the evaluation share: a titled, closable questionnaire for one community."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题 / title"), max_length=200)
    status = models.CharField(max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    is_sample = models.BooleanField(default=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def division(self) -> Division:
        return self.community.division


class SurveyResponse(models.Model):
    """One owner's answer to a survey; a later answer replaces the earlier one (unique per survey and owner)."""

    owner = models.ForeignKey("registry.Owner", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.owner_id}"  # type: ignore[attr-defined]


class NeedsSurvey(CommunitySurvey):
    """问需: residents rank renovation catalogue items before planning."""

    item_ids = models.JSONField(_("备选改造内容 / catalogue items"), default=list)
    max_choices = models.PositiveSmallIntegerField(_("最多选择 / max choices"), default=5)

    class Meta(CommunitySurvey.Meta):
        verbose_name = _("需求调查 / needs survey")


class NeedsResponse(SurveyResponse):
    survey = models.ForeignKey(NeedsSurvey, on_delete=models.CASCADE, related_name="responses")
    #: chosen catalogue item ids, most wanted first
    ranking = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "owner"], name="participation_needs_once")]


class ReportStatus(models.TextChoices):
    OPEN = "open", _("待处理 / open")
    RESPONDED = "responded", _("已答复 / responded")
    CLOSED = "closed", _("已办结 / closed")


class ReportCategory(models.TextChoices):
    QUALITY = "quality", _("施工质量 / quality")
    SAFETY = "safety", _("安全隐患 / safety")
    NUISANCE = "nuisance", _("噪声扬尘 / noise and dust")
    ACCESS = "access", _("出行不便 / access")
    OTHER = "other", _("其他 / other")


class SupervisionReport(models.Model):
    """报事: a resident's report of a problem during works, with a photo and location."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="+")
    project_ref = models.CharField(_("项目编号 / project"), max_length=60, blank=True, db_index=True)
    category = models.CharField(_("类别 / category"), max_length=16, choices=ReportCategory.choices)
    description = models.TextField(_("问题描述 / description"))
    photo = models.FileField(_("照片 / photo"), upload_to="participation/reports/%Y/%m/", blank=True)
    location_text = models.CharField(_("位置 / location"), max_length=200, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态 / status"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.OPEN,
        db_index=True,
    )
    response = models.TextField(_("答复 / response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报事 / supervision report")

    def __str__(self) -> str:
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def division(self) -> Division:
        return self.community.division


class EvaluationSurvey(CommunitySurvey):
    """Satisfaction after completion against the 六有 goals; ``results`` are stored at closing."""

    project_ref = models.CharField(_("项目编号 / project"), max_length=60, blank=True)
    results = models.JSONField(null=True, blank=True)

    class Meta(CommunitySurvey.Meta):
        verbose_name = _("满意度评价 / satisfaction evaluation")


class EvaluationResponse(SurveyResponse):
    survey = models.ForeignKey(EvaluationSurvey, on_delete=models.CASCADE, related_name="responses")
    #: {liuyou goal id: 1..5}
    scores = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "owner"], name="participation_evaluation_once")
        ]
