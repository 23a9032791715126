from django.apps import AppConfig


class StewardshipConfig(AppConfig):
    name = "gaizao.stewardship"
    label = "stewardship"
    verbose_name = "长效管理 / Stewardship"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.stewardship import selectors

        register_history("stewardship.managementplan", selectors.get_plan)
        register_history("stewardship.propertycontract", selectors.get_contract)

        from gaizao.stewardship.links import register as register_links

        register_links()
