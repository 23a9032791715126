from typing import Any

from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "gaizao.programme"
    label = "programme"
    verbose_name = "项目与计划 / Programme"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.programme import selectors

        register_history("programme.project", lambda user, pk: selectors.get_project(user, pk))
        register_history(
            "programme.plan", lambda user, pk: selectors.get_project(user, _plan_project(pk)).plan
        )
        register_history("programme.consultation", lambda user, pk: selectors.get_consultation(user, pk))
        register_history("programme.publication", lambda user, pk: selectors.get_publication(user, pk))
        register_history("programme.annualplan", lambda user, pk: selectors.get_annual_plan(user, pk))

        from gaizao.programme.links import register as register_links

        register_links()


def _plan_project(pk: Any) -> int | None:
    from gaizao.programme.models import Plan

    return Plan.objects.filter(pk=pk).values_list("project_id", flat=True).first()
