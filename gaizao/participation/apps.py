from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "gaizao.participation"
    label = "participation"
    verbose_name = "居民参与 / Resident participation"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.participation import jobs, selectors  # noqa: F401 (jobs registers its handler)

        register_history("participation.ballot", lambda user, pk: selectors.get_ballot(user, pk))
        register_history("participation.needssurvey", lambda user, pk: selectors.get_needs_survey(user, pk))
        register_history("participation.supervisionreport", lambda user, pk: selectors.get_report(user, pk))
        register_history(
            "participation.evaluationsurvey", lambda user, pk: selectors.get_evaluation(user, pk)
        )

        from gaizao.participation.links import register as register_links

        register_links()
