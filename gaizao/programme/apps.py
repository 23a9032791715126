from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "gaizao.programme"
    label = "programme"
    verbose_name = "项目与计划 / Programme"
