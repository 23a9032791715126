from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "gaizao.oversight"
    label = "oversight"
    verbose_name = "监督考核 / Oversight"

    def ready(self) -> None:
        from gaizao.oversight.todos import register

        register()
