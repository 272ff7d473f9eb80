"""The platform's back office. Data rows are view-mostly: payloads can be edited to stage an edge case (the indexed
columns follow the payload on save). Fault settings and targeted faults are edited inline on the account or on their
own pages; saving either goes through sandbox.faults, which restarts their counts.

Registered only where the sandbox is served (SANDBOX_ENABLED): production support staff never see it.
"""

from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sandbox import linking, services
from sandbox.api.registry import fault_target
from sandbox.clock import platform_now
from sandbox.faults import faults_configure, targeted_fault_arm, tokens_expire, tokens_invalidate
from sandbox.models import (
    AccessToken,
    Account,
    AfterSale,
    AgencyItem,
    Buyer,
    CommissionAnomaly,
    CommissionOrder,
    Cooperation,
    Coupon,
    FaultSettings,
    Invitation,
    LeaguePlan,
    LeaguePlanTerms,
    LeagueSale,
    LeagueTalent,
    LinkedAccount,
    Order,
    Product,
    PushAttempt,
    PushDelivery,
    PushEvent,
    TargetedFault,
    UserCoupon,
)
from sandbox.push import callback_verify, deliver_due


def unix(value) -> str:
    if not value:
        return "—"
    return timezone.localtime(datetime.fromtimestamp(value, tz=UTC)).strftime("%Y-%m-%d %H:%M:%S")


class PayloadAdmin(admin.ModelAdmin):
    """Read-mostly: no adding; the JSON payload stays editable and drives the indexed columns."""

    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


class FaultSettingsInline(admin.StackedInline):
    model = FaultSettings
    extra = 0
    readonly_fields = ("call_counter", "push_counter", "batch_counter")


class TargetedFaultForm(forms.ModelForm):
    class Meta:
        model = TargetedFault
        fields = ("path", "first_call", "times", "errcode", "http_status")

    def clean_path(self):
        try:
            return fault_target(self.cleaned_data["path"])
        except ValueError:
            raise ValidationError(
                _("No business endpoint has this path (token endpoints are exempt from faults)."), code="path"
            ) from None


class TargetedFaultInline(admin.TabularInline):
    model = TargetedFault
    form = TargetedFaultForm
    extra = 0
    fields = ("path", "first_call", "times", "errcode", "http_status", "calls_counted", "fired")
    readonly_fields = ("calls_counted", "fired")


class AccountAdmin(admin.ModelAdmin):
    list_display = (
        "appid",
        "name",
        "kind",
        "clock_display",
        "daily_order_rate",
        "callback_url",
        "pushes_enabled",
        "league_enabled",
    )
    list_filter = ("kind", "pushes_enabled", "league_enabled")
    search_fields = ("appid", "name", "username")
    readonly_fields = ("order_seq", "aftersale_seq", "created_at", "updated_at")
    exclude = ("catalog",)
    inlines = [FaultSettingsInline, TargetedFaultInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["invalidate_tokens", "expire_tokens", "deliver_pushes", "verify_callback"]

    def save_formset(self, request, form, formset, change):
        if formset.model is TargetedFault:
            # Added or edited targeted faults are (re)armed: their counts restart, like the command's.
            for fault in formset.save(commit=False):
                targeted_fault_arm(fault=fault)
            for fault in formset.deleted_objects:
                fault.delete()
            return
        super().save_formset(request, form, formset, change)
        if formset.model is FaultSettings and FaultSettings.objects.filter(account=form.instance).exists():
            faults_configure(account=form.instance)  # restart the counters, like the command

    @admin.display(description=_("clock"), ordering="clock")
    def clock_display(self, obj):
        return unix(obj.clock)

    @admin.action(description=_("Invalidate all current tokens (40001)"))
    def invalidate_tokens(self, request, queryset):
        n = sum(tokens_invalidate(account=a, now=int(platform_now())) for a in queryset)
        self.message_user(request, _("%(n)d tokens invalidated.") % {"n": n})

    @admin.action(description=_("Expire all current tokens (42001)"))
    def expire_tokens(self, request, queryset):
        n = sum(tokens_expire(account=a, now=int(platform_now())) for a in queryset)
        self.message_user(request, _("%(n)d tokens expired.") % {"n": n})

    @admin.action(description=_("Send the pushes that are due"))
    def deliver_pushes(self, request, queryset):
        delivered = failed = 0
        for account in queryset:
            report = deliver_due(appid=account.appid)
            delivered, failed = delivered + report.delivered, failed + report.failed
        self.message_user(request, _("%(d)d delivered, %(f)d failed pushes.") % {"d": delivered, "f": failed})

    @admin.action(description=_("Verify the callback URL (echostr)"))
    def verify_callback(self, request, queryset):
        for account in queryset:
            ok, detail = callback_verify(account)
            self.message_user(request, f"{account.appid}: {detail}", messages.SUCCESS if ok else messages.ERROR)


class FaultSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "account",
        "busy_rate",
        "http5xx_rate",
        "slow_rate",
        "rate_limit_remaining",
        "quota_exhausted",
        "duplicate_push_rate",
        "reorder_pushes",
        "seed",
        "call_counter",
    )
    list_filter = ("quota_exhausted", "reorder_pushes")
    search_fields = ("account__appid", "account__name")
    readonly_fields = ("call_counter", "push_counter", "batch_counter")

    def save_model(self, request, obj, form, change):
        # Saving restarts the counters, like the command: call number 1 is the next call.
        obj.save()
        faults_configure(account=obj.account)


class TargetedFaultAdmin(admin.ModelAdmin):
    form = TargetedFaultForm
    list_display = ("account", "path", "first_call", "times", "errcode", "http_status", "calls_counted", "fired")
    list_filter = ("path",)
    search_fields = ("account__appid", "path")
    list_select_related = ("account",)
    fields = ("account", "path", "first_call", "times", "errcode", "http_status", "calls_counted", "fired")
    readonly_fields = ("calls_counted", "fired")

    def save_model(self, request, obj, form, change):
        targeted_fault_arm(fault=obj)  # saving (re)arms it: the count restarts, like the command


class AccessTokenAdmin(admin.ModelAdmin):
    list_display = (
        "short",
        "account",
        "kind",
        "issued",
        "expires",
        "invalidated_at",
        "expired_by_fault",
        "by_force_refresh",
    )
    list_filter = ("kind", "expired_by_fault", "by_force_refresh")
    search_fields = ("account__appid", "token")
    list_select_related = ("account",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("token"))
    def short(self, obj):
        return f"{obj.token[:16]}…"

    @admin.display(description=_("issued"), ordering="issued_at")
    def issued(self, obj):
        return unix(obj.issued_at)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj):
        return unix(obj.expires_at)


class LinkedAccountAdmin(admin.ModelAdmin):
    list_display = ("nickname", "shop", "sale_channel", "account_type", "account_id", "original_id")
    list_filter = ("sale_channel", "account_type")
    search_fields = ("nickname", "account_id", "shop__appid")
    list_select_related = ("shop",)


class BuyerAdmin(admin.ModelAdmin):
    list_display = ("openid", "nickname", "shop")
    list_filter = ("shop",)
    search_fields = ("openid", "unionid", "nickname")
    list_select_related = ("shop",)

    def has_add_permission(self, request):
        return False


class ProductAdmin(PayloadAdmin):
    list_display = ("product_id", "title", "shop", "status", "edited")
    list_filter = ("status", "shop")
    search_fields = ("product_id",)
    list_select_related = ("shop",)
    readonly_fields = ("shop", "product_id")
    fields = ("shop", "product_id", "payload", "edit_payload")

    @admin.display(description=_("title"))
    def title(self, obj):
        return (obj.payload or obj.edit_payload or {}).get("title", "")

    @admin.display(description=_("edited"), ordering="update_time")
    def edited(self, obj):
        return unix(obj.update_time)

    def save_model(self, request, obj, form, change):
        data = obj.payload or obj.edit_payload or {}
        obj.status = data.get("status", obj.status)
        obj.update_time = data.get("edit_time", obj.update_time)
        super().save_model(request, obj, form, change)


class OrderAdmin(PayloadAdmin):
    list_display = ("order_id", "shop", "status", "created", "updated", "next_action")
    list_filter = ("status", "shop")
    search_fields = ("order_id", "openid")
    list_select_related = ("shop",)
    readonly_fields = ("shop", "order_id", "seq", "plan")
    fields = ("shop", "order_id", "seq", "payload", "plan")

    @admin.display(description=_("created"), ordering="create_time")
    def created(self, obj):
        return unix(obj.create_time)

    @admin.display(description=_("updated"), ordering="update_time")
    def updated(self, obj):
        return unix(obj.update_time)

    @admin.display(description=_("next action"), ordering="next_action_time")
    def next_action(self, obj):
        return unix(obj.next_action_time)

    def save_model(self, request, obj, form, change):
        obj.status = obj.payload.get("status", obj.status)
        obj.update_time = obj.payload.get("update_time", obj.update_time)
        obj.openid = obj.payload.get("openid", obj.openid)
        super().save_model(request, obj, form, change)


class AfterSaleAdmin(PayloadAdmin):
    list_display = ("after_sale_order_id", "order_id", "shop", "status", "created")
    list_filter = ("status", "shop")
    search_fields = ("after_sale_order_id", "order_id")
    list_select_related = ("shop",)
    readonly_fields = ("shop", "after_sale_order_id", "order_id")
    fields = ("shop", "after_sale_order_id", "order_id", "payload")

    @admin.display(description=_("created"), ordering="create_time")
    def created(self, obj):
        return unix(obj.create_time)

    def save_model(self, request, obj, form, change):
        obj.status = obj.payload.get("status", obj.status)
        obj.update_time = obj.payload.get("update_time", obj.update_time)
        super().save_model(request, obj, form, change)


class CommissionOrderAdmin(PayloadAdmin):
    list_display = ("order_id", "sku_id", "agency", "shop", "status", "version", "updated")
    list_filter = ("status", "agency")
    search_fields = ("order_id", "sku_id", "finder_id", "openfinderid", "sharer_appid")
    list_select_related = ("agency", "shop")
    readonly_fields = ("agency", "shop", "order_id", "sku_id", "version")
    fields = ("agency", "shop", "order_id", "sku_id", "version", "payload")

    @admin.display(description=_("updated"), ordering="update_time")
    def updated(self, obj):
        return unix(obj.update_time)

    def save_model(self, request, obj, form, change):
        obj.status = obj.payload.get("status", obj.status)
        obj.update_time = obj.payload.get("update_time", obj.update_time)
        super().save_model(request, obj, form, change)


class CooperationAdmin(admin.ModelAdmin):
    list_display = ("agency", "shop", "status")
    list_filter = ("status",)
    search_fields = ("agency__appid", "shop__appid", "agency__name", "shop__name")
    list_select_related = ("agency", "shop")


class AgencyItemAdmin(PayloadAdmin):
    list_display = ("product_id", "agency", "shop", "status", "ratio_ppm", "service_ratio_ppm")
    list_filter = ("status", "agency")
    search_fields = ("product_id", "agency__appid", "shop__appid")
    list_select_related = ("agency", "shop")


class InvitationAdmin(admin.ModelAdmin):
    list_display = ("kind", "reference", "account", "counterpart", "status", "created")
    list_filter = ("status", "kind")
    search_fields = ("reference", "account__appid", "counterpart__appid")
    list_select_related = ("account", "counterpart")
    actions = ["accept", "reject", "expire", "fail"]

    @admin.display(description=_("created"), ordering="create_time")
    def created(self, obj):
        return unix(obj.create_time)

    def _end(self, request, queryset, status: str):
        done = 0
        for invitation in queryset:
            try:
                linking.invitation_end(invitation=invitation, status=status)
                done += 1
            except ValueError as error:
                self.message_user(request, f"{invitation}: {error}", messages.WARNING)
        self.message_user(request, _("%(n)d invitations decided.") % {"n": done})

    @admin.action(description=_("Expire selected invitations (unanswered)"))
    def expire(self, request, queryset):
        self._end(request, queryset, Invitation.Status.EXPIRED)

    @admin.action(description=_("Fail selected invitations (cooperation status 6)"))
    def fail(self, request, queryset):
        self._end(request, queryset, Invitation.Status.FAILED)

    def _decide(self, request, queryset, accept: bool):
        done = 0
        for invitation in queryset:
            try:
                services.invitation_decide(invitation=invitation, accept=accept)
                done += 1
            except ValueError as error:
                self.message_user(request, f"{invitation}: {error}", messages.WARNING)
        self.message_user(request, _("%(n)d invitations decided.") % {"n": done})

    @admin.action(description=_("Accept selected invitations"))
    def accept(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description=_("Reject selected invitations"))
    def reject(self, request, queryset):
        self._decide(request, queryset, False)


class PushEventAdmin(PayloadAdmin):
    list_display = ("id", "event", "account", "created")
    list_filter = ("event", "account")
    search_fields = ("event", "account__appid")
    list_select_related = ("account",)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("CreateTime"), ordering="create_time")
    def created(self, obj):
        return unix(obj.create_time)


class PushAttemptInline(admin.TabularInline):
    model = PushAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "attempted_at", "url", "http_status", "delivered", "error", "duration_ms")

    def has_add_permission(self, request, obj=None):
        return False


class PushDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "account", "status", "attempt_count", "duplicate", "next_attempt")
    list_filter = ("status", "duplicate")
    search_fields = ("event__event", "account__appid")
    list_select_related = ("event", "account")
    readonly_fields = ("event", "account", "status", "attempt_count", "duplicate", "next_attempt_at")
    inlines = [PushAttemptInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, obj):
        return unix(obj.next_attempt_at)


class PushAttemptAdmin(admin.ModelAdmin):
    list_display = ("delivery", "number", "attempted", "http_status", "delivered", "error", "duration_ms")
    list_filter = ("delivered", "http_status")
    search_fields = ("error", "url")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("at"), ordering="attempted_at")
    def attempted(self, obj):
        return unix(obj.attempted_at)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the platform derives (its records of what happened): viewed, never edited here."""

    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LeaguePlanTermsInline(admin.TabularInline):
    model = LeaguePlanTerms
    extra = 0
    can_delete = False
    fields = ("ratio_pct", "service_ratio_pct", "talents", "listed", "begin_time", "end_time", "valid_from", "valid_to")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class LeaguePlanAdmin(admin.ModelAdmin):
    """Editing a plan here is a platform-side change (e.g. status 5 未达到准入标准): it goes through
    services.plan_change, which writes the terms history at the shop's clock."""

    list_display = ("plan_id", "shop", "type", "product_id", "agency", "status", "ratio_pct", "service_ratio_pct")
    list_filter = ("type", "status")
    search_fields = ("plan_id", "product_id", "shop__appid", "agency__appid")
    list_select_related = ("shop", "agency")
    readonly_fields = ("shop", "plan_id", "type", "product_id", "agency")
    fields = (
        *readonly_fields,
        "status",
        "ratio_pct",
        "service_ratio_pct",
        "commission_type",
        "talents",
        "begin_time",
        "end_time",
    )
    inlines = [LeaguePlanTermsInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.plan_change(plan=obj, now=obj.shop.clock or int(platform_now()), **changes)


class LeaguePlanTermsAdmin(ReadOnlyAdmin):
    """Every plan's terms over time, to search across plans (each plan's own are inline on its page)."""

    list_display = ("plan", "ratio_pct", "service_ratio_pct", "listed", "valid_from", "valid_to")
    list_filter = ("listed",)
    search_fields = ("plan__plan_id", "plan__product_id", "plan__shop__appid")
    list_select_related = ("plan",)


class LeagueTalentAdmin(admin.ModelAdmin):
    list_display = ("nickname", "talent_appid", "shop", "status", "is_blacklisted", "level")
    list_filter = ("status", "is_blacklisted")
    search_fields = ("talent_appid", "finder_id", "nickname", "shop__appid")
    list_select_related = ("shop",)


class LeagueSaleAdmin(ReadOnlyAdmin):
    list_display = ("talent_appid", "order_id", "sku_id", "product_id", "amount", "shop")
    list_filter = ("shop",)
    search_fields = ("talent_appid", "order_id", "product_id")
    list_select_related = ("shop",)


class CommissionAnomalyAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "sku_id", "party", "kind", "shop", "agency")
    list_filter = ("kind", "party")
    search_fields = ("order_id", "sku_id", "shop__appid")
    list_select_related = ("shop", "agency")


class CouponAdmin(admin.ModelAdmin):
    list_display = ("coupon_id", "shop", "type", "status", "total_num", "receive_num", "used_num")
    list_filter = ("status", "type")
    search_fields = ("coupon_id", "shop__appid")
    list_select_related = ("shop",)


class UserCouponAdmin(admin.ModelAdmin):
    list_display = ("user_coupon_id", "coupon", "openid", "status", "order_id", "discount_fee", "shop")
    list_filter = ("status",)
    search_fields = ("user_coupon_id", "openid", "order_id", "coupon__coupon_id", "shop__appid")
    list_select_related = ("shop", "coupon")


ADMINS = {
    Account: AccountAdmin,
    FaultSettings: FaultSettingsAdmin,
    TargetedFault: TargetedFaultAdmin,
    AccessToken: AccessTokenAdmin,
    LinkedAccount: LinkedAccountAdmin,
    Buyer: BuyerAdmin,
    Product: ProductAdmin,
    Order: OrderAdmin,
    AfterSale: AfterSaleAdmin,
    CommissionOrder: CommissionOrderAdmin,
    Cooperation: CooperationAdmin,
    AgencyItem: AgencyItemAdmin,
    Invitation: InvitationAdmin,
    LeaguePlan: LeaguePlanAdmin,
    LeaguePlanTerms: LeaguePlanTermsAdmin,
    LeagueTalent: LeagueTalentAdmin,
    LeagueSale: LeagueSaleAdmin,
    CommissionAnomaly: CommissionAnomalyAdmin,
    Coupon: CouponAdmin,
    UserCoupon: UserCouponAdmin,
    PushEvent: PushEventAdmin,
    PushDelivery: PushDeliveryAdmin,
    PushAttempt: PushAttemptAdmin,
}

if getattr(settings, "SANDBOX_ENABLED", True):
    for _model, _model_admin in ADMINS.items():
        admin.site.register(_model, _model_admin)
