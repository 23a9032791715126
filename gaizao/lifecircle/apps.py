from django.apps import AppConfig


class LifecircleConfig(AppConfig):
    name = "gaizao.lifecircle"
    label = "lifecircle"
    verbose_name = "生活圈分析 / Life-circle analysis"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.lifecircle import (
            jobs,  # noqa: F401  (registers the job handler)
            selectors,
        )

        register_history("lifecircle.analysisrun", selectors.get_run_for)
        register_history("lifecircle.sitingproposal", selectors.get_proposal_for)
        register_history("lifecircle.roadnetwork", selectors.get_network_for)

        from gaizao.lifecircle.links import register as register_links

        register_links()
