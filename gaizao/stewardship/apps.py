from django.apps import AppConfig


class StewardshipConfig(AppConfig):
    name = "gaizao.stewardship"
    label = "stewardship"
    verbose_name = "长效管理 / Stewardship"
