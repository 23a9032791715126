from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "gaizao.portal"
    label = "portal"
    verbose_name = "公众门户 / Public portal"
