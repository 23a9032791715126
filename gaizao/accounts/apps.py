from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gaizao.accounts"
    label = "accounts"
    verbose_name = "账户与角色 / Accounts and roles"
