from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gaizao.accounts.models import User
from gaizao.accounts.views import ThrottledAdminAuthenticationForm


@admin.register(User)
class GaizaoUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Gaizao", {"fields": ("role", "division", "bureau", "utility_kind", "phone", "display_name")}),
    )
    list_display = ("username", "display_name", "role", "division", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("division",)


# The admin login answers "locked" like the login page (the throttle itself is in the authentication backend).
admin.site.login_form = ThrottledAdminAuthenticationForm
