from django.contrib import admin

from affiliates.models import Agency, AgencyMember
from shopops.admin import AuditedAdmin


class AgencyMemberInline(admin.TabularInline):
    model = AgencyMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ("name", "appid", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "appid")
    fields = ("name", "appid", "status")
    inlines = [AgencyMemberInline]


@admin.register(AgencyMember)
class AgencyMemberAdmin(AuditedAdmin):
    list_display = ("user", "agency", "created_at")
    list_filter = ("agency",)
    search_fields = ("user__username", "agency__name")
    list_select_related = ("user", "agency")
    autocomplete_fields = ("user", "agency")
