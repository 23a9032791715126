from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "gaizao.jobs"
    label = "jobs"
    verbose_name = "后台任务 / Background jobs"
