"""Where each agency's sync stands, in the admin for support staff, like the shops' (shopops.admin): cursors and
alerts read-only, the sync state audited so that support may lift a pause (the lease itself is the engine's).

The lead registers these in affiliates/admin.py: ``admin.site.register(AgencySyncCursor, AgencySyncCursorAdmin)``,
``admin.site.register(AgencySyncState, AgencySyncStateAdmin)`` and ``admin.site.register(AgencyAlert,
AgencyAlertAdmin)``.
"""

from shopops.admin import AuditedAdmin, ReadOnlyAdmin


class AgencySyncCursorAdmin(ReadOnlyAdmin):
    list_display = (
        "agency",
        "stream",
        "completed_until",
        "window_start",
        "pages_done",
        "items_done",
        "last_success_at",
    )
    list_filter = ("stream", "last_success_at")
    search_fields = ("agency__name", "agency__appid")
    list_select_related = ("agency",)


class AgencySyncStateAdmin(AuditedAdmin):
    list_display = ("agency", "lease_owner", "lease_expires_at", "paused_until", "consecutive_failures")
    list_filter = ("paused_until",)
    search_fields = ("agency__name", "pause_reason")
    readonly_fields = ("agency", "lease_owner", "lease_expires_at", "consecutive_failures")


class AgencyAlertAdmin(AuditedAdmin):
    list_display = ("created_at", "agency", "kind", "resolved_at")
    list_filter = ("kind", "resolved_at")
    search_fields = ("agency__name", "message")
    list_select_related = ("agency",)
