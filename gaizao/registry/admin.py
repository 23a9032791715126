from django.contrib import admin

from gaizao.registry.models import Building, Community, Facility, StockSite


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district_code", "built_year", "scope_status", "is_sample")
    list_filter = ("scope_status", "district_code", "is_sample")
    search_fields = ("code", "name", "address")
    readonly_fields = ("scope_status", "scope_reasons", "scope_ruleset", "scope_assessed_at", "district_code")
    raw_id_fields = ("division",)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("community", "code", "floors", "stairwells", "has_elevator")
    raw_id_fields = ("community",)


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "category", "name", "source", "is_sample")
    list_filter = ("category", "is_sample")
    search_fields = ("code", "name")
    raw_id_fields = ("division",)


@admin.register(StockSite)
class StockSiteAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "name", "area_m2", "is_sample")
    list_filter = ("kind",)
    raw_id_fields = ("division", "community")
