from django.apps import AppConfig


class LifecircleConfig(AppConfig):
    name = "gaizao.lifecircle"
    label = "lifecircle"
    verbose_name = "生活圈分析 / Life-circle analysis"
