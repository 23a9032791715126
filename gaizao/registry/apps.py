from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "gaizao.registry"
    label = "registry"
    verbose_name = "小区台账与数据调查 / Registry and data survey"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gaizao.audit.history import register_history
        from gaizao.registry import (
            jobs,  # noqa: F401  (registers the job handlers)
            selectors,
        )
        from gaizao.registry.importing import jobs as import_jobs  # noqa: F401  (registers "registry.import")
        from gaizao.registry.search import ensure_sqlite_search

        post_migrate.connect(ensure_sqlite_search, sender=self, dispatch_uid="registry_sqlite_search")
        register_history("registry.community", selectors.get_community_for)
        register_history("registry.facility", selectors.get_facility_for)
        register_history("registry.stocksite", selectors.get_stock_site_for)
