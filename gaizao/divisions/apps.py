from django.apps import AppConfig


class DivisionsConfig(AppConfig):
    name = "gaizao.divisions"
    label = "divisions"
    verbose_name = "行政区划 / Divisions"
