from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "gaizao.delivery"
    label = "delivery"
    verbose_name = "项目实施 / Delivery"
