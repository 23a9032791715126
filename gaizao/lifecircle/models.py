"""Life-circle analysis records (一(二)3, 三(五)): road networks, analysis runs and their per-community results,
catchments and siting proposals.

The analysis itself is done by the pure core ``gaizao.spatial`` with the standards of ``gaizao.policy``; these
models only keep what it returned, with the parameters and the standards version it ran with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gaizao.lifecircle import storage

#: The packaged OSM network's file reference (``RoadNetwork.file_path``); other files live under DATA_DIR.
PACKAGED_PREFIX = "package:"


class RoadNetwork(models.Model):
    """A walking network file and what loading it found (nodes, segments, disconnected pieces)."""

    name = models.CharField(_("名称 / name"), max_length=150)
    source = models.CharField(_("来源与许可 / source and licence"), max_length=255, blank=True)
    attribution = models.CharField(_("署名 / attribution"), max_length=150, blank=True)
    #: ``package:<file>`` for a file shipped in gaizao/lifecircle/data, else a path relative to settings.DATA_DIR.
    file_path = models.CharField(_("文件 / file"), max_length=500)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_format = models.CharField(_("格式 / format"), max_length=20, blank=True)
    division = models.ForeignKey(
        "divisions.Division", verbose_name=_("范围 / scope"), on_delete=models.PROTECT, related_name="+"
    )
    node_count = models.PositiveIntegerField(_("节点数 / nodes"), default=0)
    edge_count = models.PositiveIntegerField(_("路段数 / segments"), default=0)
    component_count = models.PositiveIntegerField(_("连通片数 / connected pieces"), default=0)
    largest_component_nodes = models.PositiveIntegerField(_("最大连通片节点数 / largest piece"), default=0)
    walking_speed_m_per_min = models.FloatField(_("步行速度(米/分) / walking speed (m/min)"), default=80.0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    loaded_at = models.DateTimeField(_("载入时间 / loaded at"), auto_now_add=True)
    is_default = models.BooleanField(_("默认路网 / default network"), default=False)

    class Meta:
        ordering = ["-is_default", "-loaded_at"]
        verbose_name = _("路网 / road network")
        verbose_name_plural = _("路网 / road networks")

    def __str__(self) -> str:
        return self.name

    @property
    def is_osm(self) -> bool:
        return "openstreetmap" in (self.source + self.attribution).lower()


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中 / queued")
    RUNNING = "running", _("进行中 / running")
    SUCCEEDED = "succeeded", _("已完成 / succeeded")
    FAILED = "failed", _("失败 / failed")


class OriginMode(models.TextChoices):
    ENTRANCES = "entrances", _("出入口(无则中心点) / entrances (centroid if none)")
    CENTROID = "centroid", _("中心点 / centroid")


class AnalysisRun(models.Model):
    """One life-circle analysis of the communities of a division on a network."""

    network = models.ForeignKey(
        RoadNetwork, verbose_name=_("路网 / network"), on_delete=models.PROTECT, related_name="runs"
    )
    division = models.ForeignKey(
        "divisions.Division", verbose_name=_("分析范围 / scope"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态 / status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    walking_speed_m_per_min = models.FloatField(_("步行速度(米/分) / walking speed (m/min)"), default=80.0)
    snap_tolerance_m = models.FloatField(_("接入容差(米) / snap tolerance (m)"), default=500.0)
    max_distance_m = models.FloatField(_("最远计算距离(米) / distance cut-off (m)"), default=2000.0)
    origin_mode = models.CharField(
        _("起点 / origins"), max_length=16, choices=OriginMode.choices, default=OriginMode.ENTRANCES
    )
    standards_version = models.CharField(_("标准版本 / standards"), max_length=80, blank=True)
    community_count = models.PositiveIntegerField(_("小区数 / communities"), default=0)
    joined_count = models.PositiveIntegerField(_("接入路网的小区 / communities joined"), default=0)
    facility_count = models.PositiveIntegerField(_("设施数 / facilities"), default=0)
    category_count = models.PositiveIntegerField(_("设施类别数 / categories"), default=0)
    gap_count = models.PositiveIntegerField(_("缺口总数 / gaps"), default=0)
    summary = models.JSONField(_("摘要 / summary"), default=dict, blank=True)
    #: Proposed renovation units (连片) from ``gaizao.spatial.renovation_units``:
    #: ``[{"community_ids": [int], "shared_gaps": [[facility, level]], "common_gaps": [...], "residents": n}]``.
    units = models.JSONField(_("连片改造单元 / renovation units"), default=list, blank=True)
    #: How the results' binary arrays are laid out (``gaizao.lifecircle.storage.layout_for``): the category
    #: order of ``CommunityAccess.distance_blob`` and the checks of ``met_bits`` with their names and items.
    result_layout = models.JSONField(default=dict, blank=True)
    duration_s = models.FloatField(_("耗时(秒) / duration (s)"), null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间 / created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间 / finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("生活圈分析 / life-circle analysis run")
        verbose_name_plural = _("生活圈分析 / life-circle analysis runs")

    def __str__(self) -> str:
        return f"{self.division.name} 生活圈分析 #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {RunStatus.SUCCEEDED, RunStatus.FAILED}


class CommunityAccess(models.Model):
    """What one run found for one community: distances per category, reachability per level, gaps, score.

    Stored compactly (``gaizao.lifecircle.storage``): the distances and the met checks are small binary arrays in
    the order of the run's ``result_layout``; ``distances``, ``reachable`` and ``gaps`` rebuild the former JSON
    shapes on read.
    """

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="results")
    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, related_name="+")
    #: float32 per category of ``run.result_layout["categories"]``, NaN for none within the run's cut-off.
    distance_blob = models.BinaryField(default=b"", blank=True)
    #: One bit per requirement check of ``run.result_layout["checks"]`` (``numpy.packbits``), set when met.
    met_bits = models.BinaryField(default=b"", blank=True)
    #: Distinct gap facility ids and the catalogue item ids that would fill them.
    gap_facilities = models.JSONField(default=list, blank=True)
    gap_items = models.JSONField(default=list, blank=True)
    gap_count = models.PositiveSmallIntegerField(_("缺口数 / gaps"), default=0)
    score = models.FloatField(_("得分 / score"), null=True, blank=True)
    joined = models.BooleanField(_("接入路网 / joined"), default=True)
    connector_m = models.FloatField(_("接入距离(米) / connector (m)"), null=True, blank=True)
    population = models.PositiveIntegerField(_("人口 / population"), null=True, blank=True)

    class Meta:
        ordering = ["run", "community"]
        constraints = [models.UniqueConstraint(fields=["run", "community"], name="lifecircle_access_unique")]
        verbose_name = _("小区生活圈结果 / community access")

    def __str__(self) -> str:
        return f"{self.community} @ run {self.run_id}"

    @cached_property
    def distances(self) -> dict[str, float | None]:
        """``{category: distance_m or None}`` — nearest facility of every category within the run's cut-off."""
        return storage.unpack_distances(self.run.result_layout, self.distance_blob)

    @cached_property
    def _met(self) -> list[bool]:
        return storage.unpack_met(self.run.result_layout, self.met_bits)

    @cached_property
    def reachable(self) -> dict[str, dict[str, bool]]:
        """``{level: {facility_id: bool}}`` — each required (▲) facility reachable within the level's distance."""
        return storage.reachable(self.run.result_layout, self._met)

    @cached_property
    def gaps(self) -> list[dict[str, Any]]:
        """``[{"level", "facility", "name_zh", "name_en", "distance_m", "level_distance_m", "items"}]`` — the gaps,
        level by level."""
        return storage.gaps(self.run.result_layout, self._met, self.distances)


class Catchment(models.Model):
    """A community's walking catchment at one life-circle level (GeoJSON geometry, WGS84, simplified)."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="catchments")
    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16)
    distance_m = models.FloatField()
    area_m2 = models.FloatField(default=0)
    geometry = models.JSONField()

    class Meta:
        ordering = ["run", "community", "-distance_m"]
        constraints = [
            models.UniqueConstraint(fields=["run", "community", "level"], name="lifecircle_catchment_unique")
        ]
        verbose_name = _("生活圈范围 / catchment")

    def __str__(self) -> str:
        return f"{self.community_id} {self.level} @ run {self.run_id}"


class SitingProposal(models.Model):
    """k stock sites chosen to cover the most residents without a facility of ``category`` within reach."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="proposals")
    category = models.CharField(_("设施类别 / category"), max_length=60)
    level = models.CharField(_("生活圈层级 / level"), max_length=16)
    distance_m = models.FloatField(_("服务距离(米) / distance (m)"))
    k = models.PositiveSmallIntegerField(_("选址数量 / sites"))
    #: ``[{"id", "code", "name", "kind", "area_m2", "lon", "lat", "covered_new"}]``
    chosen = models.JSONField(_("选中的存量空间 / chosen sites"), default=list)
    #: Community pks covered only thanks to the chosen sites.
    newly_covered = models.JSONField(default=list, blank=True)
    candidate_count = models.PositiveIntegerField(default=0)
    residents_total = models.PositiveIntegerField(_("总人口 / residents"), default=0)
    covered_before = models.PositiveIntegerField(_("改造前覆盖人口 / covered before"), default=0)
    covered_after = models.PositiveIntegerField(_("选址后覆盖人口 / covered after"), default=0)
    solver = models.CharField(_("求解器 / solver"), max_length=60, blank=True)
    gap = models.FloatField(_("最优性差距 / optimality gap"), null=True, blank=True)
    saved = models.BooleanField(_("已保存为方案 / saved"), default=False)
    note = models.CharField(_("说明 / note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("选址方案 / siting proposal")
        verbose_name_plural = _("选址方案 / siting proposals")

    def __str__(self) -> str:
        return f"{self.category} k={self.k} @ run {self.run_id}"

    @property
    def division(self) -> Any:
        """The run's division (the audit trail files the proposal under it)."""
        return self.run.division
