from django.apps import AppConfig


class StewardshipConfig(AppConfig):
    name = "gaizao.stewardship"
    label = "stewardship"
    verbose_name = "长效管理 / Stewardship"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.programme.extensions import register_condition_source
        from gaizao.stewardship import demo, selectors

        register_history("stewardship.managementplan", selectors.get_plan)
        register_history("stewardship.propertycontract", selectors.get_contract)
        # 四(四): the management plan is agreed with the renovation plan and is one of the conditions of 实施
        register_condition_source(
            "stewardship", selectors.management_plan_conditions, sample=demo.agree_sample_plan
        )

        from gaizao.stewardship.links import register as register_links

        register_links()
