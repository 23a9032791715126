from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "gaizao.registry"
    label = "registry"
    verbose_name = "小区台账与数据调查 / Registry and data survey"
