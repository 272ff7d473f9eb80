from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from shopops.models import Membership, Shop, User


class AuditedAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Base admin for support staff: every change lands in the audit log, linked from each row."""

    show_auditlog_history_link = True


@admin.register(User)
class UserAdmin(AuditlogHistoryAdminMixin, BaseUserAdmin):
    show_auditlog_history_link = True
    list_display = ("username", "email", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Shop)
class ShopAdmin(AuditedAdmin):
    list_display = ("name", "appid", "status", "public_id", "secrets_set", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("name", "appid", "public_id")
    readonly_fields = ("public_id", "created_at", "updated_at")
    # The encrypted secrets are never shown; owners set them in the console.
    fields = ("name", "appid", "status", "public_id", "created_at", "updated_at")
    inlines = [MembershipInline]

    @admin.display(description=_("Secrets set"), boolean=True)
    def secrets_set(self, obj):
        return bool(obj.app_secret and obj.push_token and obj.encoding_aes_key)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "shop__name")
    list_select_related = ("user", "shop")
    autocomplete_fields = ("user", "shop")
