from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "gaizao.delivery"
    label = "delivery"
    verbose_name = "项目实施 / Delivery"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.delivery import jobs, selectors  # noqa: F401 (jobs registers its handler)
        from gaizao.delivery.links import register as register_links
        from gaizao.delivery.todos import register as register_todos

        register_history("delivery.delivery", lambda user, pk: selectors.get_delivery(user, pk))
        register_todos()
        register_links()
