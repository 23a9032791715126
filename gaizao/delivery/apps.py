from typing import Any

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "gaizao.delivery"
    label = "delivery"
    verbose_name = "项目实施 / Delivery"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.delivery import jobs, selectors  # noqa: F401 (jobs registers its handler)
        from gaizao.ui.links import register_link

        register_history("delivery.delivery", lambda user, pk: selectors.get_delivery(user, pk))
        register_link("programme.project", "delivery.works", works_of_project, order=10)


def works_of_project(user: Any, project: Any) -> Any:
    """The programme project page links to the project's works page when there is one ``user`` may read."""
    from django.urls import reverse

    from gaizao.delivery import selectors
    from gaizao.ui.links import Link

    delivery = selectors.delivery_of_project(user, project.pk)
    if delivery is None:
        return None
    return Link(
        "施工实施", "Works", reverse("delivery:detail", args=[delivery.pk]), hint=delivery.get_stage_display()
    )
