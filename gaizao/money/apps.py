from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "gaizao.money"
    label = "money"
    verbose_name = "资金 / Money"

    def ready(self) -> None:
        from gaizao.audit.history import register_history
        from gaizao.money import selectors

        register_history("money.projectaccount", lambda user, pk: selectors.get_account(user, pk))
        register_history("money.finalaccounts", lambda user, pk: selectors.get_final_accounts(user, pk))
        register_history("money.settlement", lambda user, pk: selectors.get_settlement(user, pk))

        from gaizao.money.todos import register as register_todos

        register_todos()

        from gaizao.money.links import register as register_links

        register_links()
