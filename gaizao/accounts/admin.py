from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gaizao.accounts.models import User


@admin.register(User)
class GaizaoUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Gaizao", {"fields": ("role", "division", "bureau", "utility_kind", "phone", "display_name")}))
    list_display = ("username", "display_name", "role", "division", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("division",)
