"""Admin of live previews: read-only (operators change them in the console; the reminders and notifications are
derived rows)."""

from django.contrib import admin

from campaigns.models import ConsoleNotification, LivePreview, PreviewPromoter, PreviewReminder
from shopops.admin import ReadOnlyAdmin


@admin.register(LivePreview)
class LivePreviewAdmin(ReadOnlyAdmin):
    list_display = ("topic", "shop", "start_time", "notice_id", "nickname", "planned")
    list_filter = ("planned", "platform_status")
    search_fields = ("topic", "notice_id", "nickname", "shop__name", "shop__appid")
    list_select_related = ("shop",)


@admin.register(PreviewPromoter)
class PreviewPromoterAdmin(ReadOnlyAdmin):
    list_display = ("name", "preview", "kind", "agency_appid", "sharer_appid", "reservations_platform")
    list_filter = ("kind",)
    search_fields = ("name", "agency_appid", "sharer_appid", "preview__topic", "shop__name")
    list_select_related = ("preview",)


@admin.register(PreviewReminder)
class PreviewReminderAdmin(ReadOnlyAdmin):
    list_display = ("preview", "shop", "sent_at")
    list_filter = ("sent_at",)
    search_fields = ("preview__topic", "shop__name")
    list_select_related = ("preview", "shop")


@admin.register(ConsoleNotification)
class ConsoleNotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "shop", "kind", "created_at")
    list_filter = ("kind", "created_at")
    search_fields = ("title", "key", "shop__name")
    list_select_related = ("shop",)
