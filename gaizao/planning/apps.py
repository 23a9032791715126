from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "gaizao.planning"
    label = "planning"
    verbose_name = "专项规划与年度优化 / Special plan and programme optimiser"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.planning import selectors

        register_history("planning.specialplan", lambda user, pk: selectors.get_plan(user, pk))
        register_history("planning.optimiserrun", lambda user, pk: selectors.get_run(user, pk))

        from gaizao.planning.links import register as register_links

        register_links()
