from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gaizao.audit"
    label = "audit"
    verbose_name = "审计记录 / Audit trail"
