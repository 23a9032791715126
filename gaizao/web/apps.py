from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gaizao.web"
    label = "web"
    verbose_name = "界面 / Web"

    def ready(self) -> None:
        from gaizao.web.workbench import register_builtin_todos

        register_builtin_todos()
