"""Support staff's view of linked and cooperation accounts: the console's services write them (with their
history); support looks."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from linked_accounts.models import CooperationAccount, LinkedAccount, LinkedAccountEvent, LinkingState, WecomStaff
from shopops.admin import ReadOnlyAdmin


class LinkedAccountEventInline(admin.TabularInline):
    model = LinkedAccountEvent
    extra = 0
    can_delete = False
    fields = ("occurred_at", "action", "from_status", "to_status", "description", "actor", "by_platform")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("detail"))
    def description(self, event):
        """The event's detail in the viewer's language, made from its code and parameters."""
        return event.describe() or "—"


@admin.register(LinkedAccount)
class LinkedAccountAdmin(ReadOnlyAdmin):
    list_display = ("nickname", "shop", "kind", "account_id", "status", "selling_identity", "is_display", "synced_at")
    list_filter = ("kind", "status", "selling_identity", "is_display")
    search_fields = ("nickname", "account_id", "shop__name")
    list_select_related = ("shop",)
    inlines = [LinkedAccountEventInline]


@admin.register(LinkedAccountEvent)
class LinkedAccountEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "linked_account", "action", "from_status", "to_status", "actor", "by_platform")
    list_filter = ("action", "by_platform")
    search_fields = ("linked_account__nickname", "linked_account__account_id", "actor__username")
    list_select_related = ("linked_account", "actor")


@admin.register(LinkingState)
class LinkingStateAdmin(ReadOnlyAdmin):
    list_display = ("shop", "shop_super_admin_id", "linked_refreshed_at", "cooperation_refreshed_at")
    list_filter = ("linked_refreshed_at",)
    search_fields = ("shop__name", "shop_super_admin_id")
    list_select_related = ("shop",)


@admin.register(WecomStaff)
class WecomStaffAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "display_name", "shop", "corp_id", "wecom_user_id")
    list_filter = ("corp_id",)
    search_fields = ("user_id", "display_name", "wecom_user_id", "shop__name")
    list_select_related = ("shop",)


@admin.register(CooperationAccount)
class CooperationAccountAdmin(ReadOnlyAdmin):
    list_display = ("sharer_name", "shop", "sharer_type", "sharer_id", "status", "bind_time", "synced_at")
    list_filter = ("sharer_type", "status")
    search_fields = ("sharer_name", "sharer_id", "shop__name")
    list_select_related = ("shop",)
