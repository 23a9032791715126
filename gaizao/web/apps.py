from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gaizao.web"
    label = "web"
    verbose_name = "界面 / Web"
