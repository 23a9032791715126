from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "gaizao.participation"
    label = "participation"
    verbose_name = "居民参与 / Resident participation"
