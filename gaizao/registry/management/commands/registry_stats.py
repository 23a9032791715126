"""``gaizao registry_stats``: rebuild the materialised survey and screening aggregates (``CommunityStats``) from every
community, e.g. from cron after bulk loads that bypass the services. Community writes keep them current on their
own; the same rebuild runs as the ``registry.stats_refresh`` background job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "重建小区统计 / Rebuild the survey and screening aggregates."

    def handle(self, *args: Any, **opts: Any) -> None:
        from gaizao.registry.stats import community_stats_refresh

        rows = community_stats_refresh()
        self.stdout.write(f"已重建 {rows} 行统计 / {rows} aggregate rows rebuilt")
