from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as admin_delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shopops.channels import (
    SCENE_LIVE,
    SCENE_MP_ARTICLE,
    SCENE_OTHER,
    SCENE_PRODUCT_SHARE,
    SCENE_SHORT_VIDEO,
    SCENE_SHOWCASE,
)
from shopops.forms.validators import appid_validator
from shopops.models import (
    AccountDay,
    AfterSale,
    AfterSaleStatusChange,
    ApiCall,
    BuyerDay,
    BuyerSince,
    CallbackNonce,
    ChannelDay,
    CouponDay,
    CouponSales,
    InboundEvent,
    LiveDay,
    Membership,
    Order,
    OrderDay,
    OrderLine,
    PlatformToken,
    Product,
    ProductDay,
    SalesDay,
    SalesHour,
    Shop,
    ShopAlert,
    Sku,
    SyncCursor,
    SyncState,
    User,
)
from shopops.money import format_yuan
from shopops.roles import Role
from shopops.selectors.catalog import ProductStatus
from shopops.services import connection, members, shops
from shopops.views.orders import (
    ACCOUNT_TYPE_LABELS,
    AFTERSALE_STATUS_LABELS,
    AFTERSALE_TYPE_LABELS,
    SALE_CHANNEL_LABELS,
    UNKNOWN_CODE,
)


class AuditedAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Base admin for support staff: every change lands in the audit log, linked from each row."""

    show_auditlog_history_link = True


@admin.register(User)
class UserAdmin(AuditlogHistoryAdminMixin, BaseUserAdmin):
    show_auditlog_history_link = True
    list_display = ("username", "email", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    # Deleting a user (alone or in bulk) goes through members.users_delete: never a shop's last owner.
    actions = ["delete_selected"]

    def _refused_delete(self, request, users) -> bool:
        try:
            members.user_delete_check(users=users)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return True
        return False

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, unquote(object_id))
        if user is not None and self._refused_delete(request, [user]):
            return redirect(reverse("admin:shopops_user_change", args=[user.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description=admin_delete_selected.short_description)
    def delete_selected(self, request, queryset):
        """Django's confirmation and deletion, refused up front (nothing deleted) if it would take a last owner."""
        if self._refused_delete(request, queryset):
            return None
        return admin_delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        members.users_delete(users=[obj])

    def delete_queryset(self, request, queryset):
        members.users_delete(users=queryset)


# --- shops and memberships: every change goes through the services ----------------------------------------------
#
# The forms' clean() calls the services' checks, so a refusal (the last owner, a taken AppID, a user who cannot be a
# member) shows on the form like any admin error and nothing is saved; save_model / save_formset / delete then call
# the services themselves, which check again under their row locks.


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A membership's user is who it is: to give the place to someone else, remove it and add theirs.
            self.fields["user"].disabled = True


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Checks the whole set of changes at once: added users may join, and the shop keeps an owner."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        roles_after, new_owners = {}, 0
        for form in self.forms:
            if form in self.deleted_forms:
                if form.instance.pk:
                    roles_after[form.instance.pk] = None
                continue
            if not form.has_changed():
                continue
            role = form.cleaned_data.get("role")
            if form.instance.pk:
                roles_after[form.instance.pk] = role
                continue
            try:
                members.membership_add_check(shop=self.instance, user=form.cleaned_data.get("user"))
            except ValidationError as exc:
                form.add_error("user", exc)
                continue
            new_owners += role == Role.OWNER
        if self.instance.pk:
            members.memberships_keep_an_owner_check(shop=self.instance, roles_after=roles_after, new_owners=new_owners)

    def save_through_services(self) -> None:
        """Adds and promotions first, then the other role changes, then removals: at no step is the shop left
        without an owner, so each service's own last-owner check passes whenever clean() passed."""
        changed = self.save(commit=False)  # applies nothing yet; fills new_objects, changed_objects, deleted_objects
        for membership in self.new_objects:
            created = members.membership_add(shop=self.instance, user=membership.user, role=membership.role)
            membership.pk = created.pk
        existing = [m for m in changed if m not in self.new_objects]
        for membership in sorted(existing, key=lambda m: m.role != Role.OWNER):
            members.membership_change_role(membership=Membership.objects.get(pk=membership.pk), role=membership.role)
        for membership in self.deleted_objects:
            members.membership_remove(membership=Membership.objects.get(pk=membership.pk))


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ("user",)


class ShopAdminForm(forms.ModelForm):
    appid = forms.CharField(label=_("AppID"), max_length=32, required=False, validators=[appid_validator])

    class Meta:
        model = Shop
        fields = ("name", "appid", "status")

    def clean_appid(self):
        appid = self.cleaned_data["appid"]
        try:
            connection.shop_appid_check(shop=self.instance, appid=appid)
        except ValidationError as exc:
            raise ValidationError(exc.error_dict["appid"]) from None
        return appid


@admin.register(Shop)
class ShopAdmin(AuditedAdmin):
    """Support renames a shop, changes its status, corrects its AppID and manages its members, all through the
    services: the last-owner rule holds here too, and a changed AppID forgets the cached token of the old one.

    Shops are neither added nor deleted here: a shop is created by its owner in the console (the creator becomes its
    owner), and is archived (its status, through ``shop_update``) rather than deleted, which would cascade through
    its orders, lines, linked accounts and members."""

    form = ShopAdminForm
    list_display = ("name", "appid", "status", "public_id", "secrets_set", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("name", "appid", "public_id")
    readonly_fields = ("public_id", "created_at", "updated_at")
    # The encrypted secrets are never shown; owners set them in the console.
    fields = ("name", "appid", "status", "public_id", "created_at", "updated_at")
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Secrets set"), boolean=True)
    def secrets_set(self, obj):
        return bool(obj.app_secret and obj.push_token and obj.encoding_aes_key)

    def save_model(self, request, obj, form, change):
        # ``obj`` already carries the new values; the services compare with the stored row.
        shop = Shop.objects.get(pk=obj.pk)
        data = form.cleaned_data
        if (shop.name, shop.status) != (data["name"], data["status"]):
            shops.shop_update(shop=shop, name=data["name"], status=data["status"])
        connection.shop_appid_correct(shop=shop, appid=data["appid"])

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, MembershipInlineFormSet):
            formset.save_through_services()
        else:
            super().save_formset(request, form, formset, change)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("shop", "user", "role")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.instance.pk is None:
            try:
                members.membership_add_check(shop=cleaned["shop"], user=cleaned["user"])
            except ValidationError as exc:
                self.add_error("user", exc)
        elif "role" in self.changed_data:
            stored = Membership.objects.get(pk=self.instance.pk)
            try:
                members.memberships_keep_an_owner_check(shop=stored.shop, roles_after={stored.pk: cleaned["role"]})
            except ValidationError as exc:
                self.add_error("role", exc)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    """Adds, role changes and removals go through the services (the last owner stays). A membership's shop and
    user are fixed once it exists; there is no bulk delete (each removal is checked on its own)."""

    form = MembershipAdminForm
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "shop__name")
    list_select_related = ("user", "shop")
    autocomplete_fields = ("user", "shop")

    def get_readonly_fields(self, request, obj=None):
        return ("shop", "user") if obj else ()

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            stored = Membership.objects.get(pk=obj.pk)
            members.membership_change_role(membership=stored, role=form.cleaned_data["role"])
        else:
            created = members.membership_add(shop=obj.shop, user=obj.user, role=obj.role)
            obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at
            obj._state.adding = False

    def delete_view(self, request, object_id, extra_context=None):
        membership = self.get_object(request, unquote(object_id))
        if membership is not None:
            try:
                members.membership_remove_check(membership=membership)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return redirect(reverse("admin:shopops_membership_change", args=[membership.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        members.membership_remove(membership=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Platform copies and sync bookkeeping: support staff look, the sync engine writes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "shop",
        "appid",
        "endpoint",
        "http_status",
        "errcode",
        "error",
        "attempt",
        "duration_ms",
    )
    list_filter = ("errcode", "error", "http_status", "created_at")
    search_fields = ("endpoint", "appid", "request_id", "shop__name")
    list_select_related = ("shop",)
    date_hierarchy = "created_at"


@admin.register(PlatformToken)
class PlatformTokenAdmin(ReadOnlyAdmin):
    list_display = ("appid", "expires_at", "updated_at")
    list_filter = ("updated_at",)
    search_fields = ("appid",)
    exclude = ("token",)


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ("shop", "stream", "completed_until", "window_start", "pages_done", "items_done", "last_success_at")
    list_filter = ("stream", "last_success_at")
    search_fields = ("shop__name", "shop__appid")
    list_select_related = ("shop",)


@admin.register(SyncState)
class SyncStateAdmin(AuditedAdmin):
    """Support may lift a pause (audited); the lease itself is the engine's."""

    list_display = ("shop", "lease_owner", "lease_expires_at", "paused_until", "consecutive_failures")
    list_filter = ("paused_until",)
    search_fields = ("shop__name", "pause_reason")
    readonly_fields = ("shop", "lease_owner", "lease_expires_at", "consecutive_failures")


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "shop", "event", "deliveries", "processed_at", "outcome")
    list_filter = ("event", "processed_at", "received_at")
    search_fields = ("key", "event", "shop__name")
    list_select_related = ("shop",)


@admin.register(CallbackNonce)
class CallbackNonceAdmin(ReadOnlyAdmin):
    list_display = ("shop", "timestamp", "nonce")
    list_filter = ("shop",)
    search_fields = ("nonce",)


@admin.register(ShopAlert)
class ShopAlertAdmin(AuditedAdmin):
    list_display = ("created_at", "shop", "kind", "resolved_at")
    list_filter = ("kind", "resolved_at")
    search_fields = ("shop__name", "message")
    list_select_related = ("shop",)


# --- platform copies: money in yuan, platform codes with the console's labels ---------------------------------------

# ext_info.order_scene (shopops.channels): the console shows the channel it folds into instead; support filters on it.
ORDER_SCENE_LABELS = {
    SCENE_OTHER: _("Other"),
    SCENE_LIVE: _("Live room"),
    SCENE_SHORT_VIDEO: _("Short video"),
    SCENE_PRODUCT_SHARE: _("Product share"),
    SCENE_SHOWCASE: _("Showcase home page"),
    SCENE_MP_ARTICLE: _("Official account article"),
}
PRODUCT_STATUS_LABELS = dict(ProductStatus.choices)


def _yuan_name(field: str) -> str:
    return field.removesuffix("_fen") + "_yuan"


def _yuan_display(field: str, title):
    @admin.display(description=title, ordering=field)
    def display(self, obj):
        return format_yuan(getattr(obj, field))

    return display


class MoneyAdminMixin:
    """Shows the ``*_fen`` fields named in ``money_titles`` as yuan (shopops.money.format_yuan: ¥1,234.56) under a
    translated title: in lists as ``<name>_yuan`` columns, and on the detail page in the field's own place. Raw fen
    never reach the page."""

    money_titles: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for field, title in cls.money_titles.items():
            setattr(cls, _yuan_name(field), _yuan_display(field, title))

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return tuple(dict.fromkeys([*readonly, *map(_yuan_name, self.money_titles)]))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return list(dict.fromkeys(_yuan_name(f) if f in self.money_titles else f for f in fields))


def code_label(labels, code) -> str:
    """A platform code in the console's words; an unknown one shows as "Code …", like on the console's pages."""
    if code in (None, ""):
        return "—"
    return str(labels.get(code) or UNKNOWN_CODE % {"code": code})


def code_filter(field: str, labels, title):
    """A list filter on a platform code field that offers the console's labels (not the bare codes)."""

    class CodeFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return [(str(code), label) for code, label in labels.items()]

        def queryset(self, request, queryset):
            return queryset if self.value() is None else queryset.filter(**{field: self.value()})

    CodeFilter.title = title
    CodeFilter.__name__ = f"{field.title().replace('_', '')}Filter"
    return CodeFilter


def code_display(field: str, labels, title):
    """A list column showing a platform code field with the console's label."""

    @admin.display(description=title, ordering=field)
    def display(self, obj):
        return code_label(labels, getattr(obj, field))

    return display


SALE_CHANNEL, ACCOUNT_TYPE, ORDER_SCENE = _("sale channel"), _("account type"), _("order scene")
STATUS, TYPE = _("status"), _("type")


class OrderLineInline(MoneyAdminMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    money_titles = {"real_price_fen": _("Paid for line")}
    fields = (
        "line_no",
        "product_id",
        "sku_id",
        "title",
        "sku_cnt",
        "real_price_yuan",
        "sale_channel_label",
        "account_type_label",
    )
    readonly_fields = fields
    sale_channel_label = code_display("sale_channel", SALE_CHANNEL_LABELS, SALE_CHANNEL)
    account_type_label = code_display("account_type", ACCOUNT_TYPE_LABELS, ACCOUNT_TYPE)


@admin.register(Order)
class OrderAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "product_price_fen": _("Product total"),
        "order_price_fen": _("Paid by the buyer"),
        "freight_fen": _("Freight"),
        "discounted_price_fen": _("Merchant discount"),
        "deduction_price_fen": _("Deduction"),
        "change_down_price_fen": _("Price change"),
        "original_order_price_fen": _("Original order price"),
        "merchant_receive_price_fen": _("Merchant receives"),
        "predict_commission_fee_fen": _("Predicted service fee"),
        "commission_fee_fen": _("Actual service fee"),
    }
    list_display = ("order_id", "shop", "status", "create_time", "order_price_yuan", "synced_at")
    list_filter = ("status", code_filter("order_scene", ORDER_SCENE_LABELS, ORDER_SCENE), "create_time")
    search_fields = ("order_id", "shop__name")
    list_select_related = ("shop",)
    inlines = [OrderLineInline]
    show_full_result_count = False


@admin.register(OrderLine)
class OrderLineAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "sale_price_fen": _("Unit price"),
        "market_price_fen": _("List price"),
        "real_price_fen": _("Paid for line"),
        "estimate_price_fen": _("Line after discounts"),
        "change_price_fen": _("Changed line price"),
        "merchant_discounted_price_fen": _("Merchant discount"),
        "finder_discounted_price_fen": _("Channels discount"),
    }
    list_display = ("order", "line_no", "sku_id", "title", "sku_cnt", "real_price_yuan", "sale_channel_label")
    list_filter = (
        code_filter("sale_channel", SALE_CHANNEL_LABELS, SALE_CHANNEL),
        code_filter("account_type", ACCOUNT_TYPE_LABELS, ACCOUNT_TYPE),
        "channel",
    )
    search_fields = ("order__order_id", "sku_id", "product_id", "account_id")
    list_select_related = ("order",)
    show_full_result_count = False
    sale_channel_label = code_display("sale_channel", SALE_CHANNEL_LABELS, SALE_CHANNEL)


class AfterSaleStatusChangeInline(admin.TabularInline):
    model = AfterSaleStatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("status_label", "changed_at", "recorded_at")
    status_label = code_display("status", AFTERSALE_STATUS_LABELS, STATUS)


@admin.register(AfterSale)
class AfterSaleAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"refund_amount_fen": _("Refund")}
    list_display = (
        "after_sale_order_id",
        "shop",
        "order_id",
        "type_label",
        "status_label",
        "refund_amount_yuan",
        "update_time",
    )
    list_filter = (
        code_filter("type", AFTERSALE_TYPE_LABELS, TYPE),
        code_filter("status", AFTERSALE_STATUS_LABELS, STATUS),
    )
    search_fields = ("after_sale_order_id", "order_id")
    list_select_related = ("shop",)
    inlines = [AfterSaleStatusChangeInline]
    type_label = code_display("type", AFTERSALE_TYPE_LABELS, TYPE)
    status_label = code_display("status", AFTERSALE_STATUS_LABELS, STATUS)


@admin.register(AfterSaleStatusChange)
class AfterSaleStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("aftersale", "status_label", "changed_at", "recorded_at")
    list_filter = (code_filter("status", AFTERSALE_STATUS_LABELS, STATUS),)
    search_fields = ("aftersale__after_sale_order_id",)
    status_label = code_display("status", AFTERSALE_STATUS_LABELS, STATUS)


class SkuInline(MoneyAdminMixin, admin.TabularInline):
    model = Sku
    extra = 0
    can_delete = False
    money_titles = {"sale_price_fen": _("Price")}
    fields = ("sku_id", "sku_code", "sale_price_yuan", "stock_num", "status_label")
    readonly_fields = fields
    status_label = code_display("status", PRODUCT_STATUS_LABELS, STATUS)


@admin.register(Product)
class ProductAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"min_price_fen": _("Lowest price")}
    list_display = ("product_id", "shop", "title", "status_label", "min_price_yuan", "deleted", "synced_at")
    list_filter = (code_filter("status", PRODUCT_STATUS_LABELS, STATUS), "deleted")
    search_fields = ("product_id", "title")
    list_select_related = ("shop",)
    inlines = [SkuInline]
    status_label = code_display("status", PRODUCT_STATUS_LABELS, STATUS)


@admin.register(Sku)
class SkuAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"sale_price_fen": _("Price"), "market_price_fen": _("List price")}
    list_display = ("sku_id", "product", "sale_price_yuan", "stock_num", "status_label")
    list_filter = (code_filter("status", PRODUCT_STATUS_LABELS, STATUS),)
    search_fields = ("sku_id", "sku_code", "product__title")
    list_select_related = ("product",)
    status_label = code_display("status", PRODUCT_STATUS_LABELS, STATUS)


@admin.register(SalesDay)
class SalesDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups); shown so support staff can compare a page's figure
    with its orders."""

    money_titles = {"sales_fen": _("Sales"), "coupon_discount_fen": _("Coupon discount")}
    list_display = ("day", "shop", "channel", "product_id", "account_id", "lines", "units", "sales_yuan")
    list_filter = ("channel", "day")
    search_fields = ("shop__name", "product_id", "account_id", "account_nickname", "title")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(BuyerDay)
class BuyerDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): paid orders per day, buyer and order scene."""

    money_titles = {"gmv_fen": _("GMV"), "refunded_fen": _("Refunded"), "present_gmv_fen": _("Gift GMV")}
    list_display = ("day", "shop", "openid", "order_scene", "orders", "gmv_yuan", "refunded_yuan")
    list_filter = ("order_scene", "day")
    search_fields = ("shop__name", "openid")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(CouponDay)
class CouponDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): paid orders that used a coupon, per day and buyer."""

    money_titles = {"gmv_fen": _("GMV"), "discount_fen": _("Coupon discount")}
    list_display = ("day", "shop", "coupon_id", "openid", "orders", "gmv_yuan", "discount_yuan")
    list_filter = ("day",)
    search_fields = ("shop__name", "coupon_id", "openid")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(OrderDay)
class OrderDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): paid orders per day and order scene."""

    money_titles = {
        "gmv_fen": _("GMV"),
        "refunded_fen": _("Refunded"),
        "present_gmv_fen": _("Gift GMV"),
        "repeat_gmv_fen": _("Repeat buyers' GMV"),
    }
    list_display = ("day", "shop", "order_scene", "orders", "gmv_yuan", "refunded_yuan", "repeat_gmv_yuan")
    list_filter = ("order_scene", "day")
    search_fields = ("shop__name",)
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(LiveDay)
class LiveDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): paid orders per day and live."""

    money_titles = {"gmv_fen": _("GMV")}
    list_display = ("day", "shop", "live_id", "orders", "gmv_yuan", "first_paid_at")
    list_filter = ("day",)
    search_fields = ("shop__name", "live_id")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(BuyerSince)
class BuyerSinceAdmin(ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): buyers per day, order scene and previous pay day."""

    list_display = ("day", "shop", "order_scene", "since", "buyers", "new_buyers")
    list_filter = ("order_scene", "day")
    search_fields = ("shop__name",)
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(SalesHour)
class SalesHourAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): paid orders and buyers per day, hour and previous pay
    day."""

    money_titles = {"gmv_fen": _("GMV"), "refunded_fen": _("Refunded")}
    list_display = ("day", "hour", "shop", "since", "orders", "buyers", "gmv_yuan", "refunded_yuan")
    list_filter = ("day",)
    search_fields = ("shop__name",)
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(ChannelDay)
class ChannelDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): sales per day and channel."""

    money_titles = {"sales_fen": _("Sales")}
    list_display = ("day", "shop", "channel", "lines", "orders", "sales_yuan")
    list_filter = ("channel", "day")
    search_fields = ("shop__name",)
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(ProductDay)
class ProductDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): sales per day and product."""

    money_titles = {"sales_fen": _("Sales")}
    list_display = ("day", "shop", "product_id", "title", "units", "orders", "sales_yuan")
    list_filter = ("day",)
    search_fields = ("shop__name", "product_id", "title")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(AccountDay)
class AccountDayAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): sales per day and source account."""

    money_titles = {"sales_fen": _("Sales")}
    list_display = ("day", "shop", "account_id", "account_nickname", "orders", "sales_yuan")
    list_filter = ("day",)
    search_fields = ("shop__name", "account_id", "account_nickname")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(CouponSales)
class CouponSalesAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the order store (shopops.services.rollups): paid orders that used a coupon, per day."""

    money_titles = {"gmv_fen": _("GMV"), "discount_fen": _("Coupon discount")}
    list_display = ("day", "shop", "coupon_id", "orders", "gmv_yuan", "discount_yuan")
    list_filter = ("day",)
    search_fields = ("shop__name", "coupon_id")
    list_select_related = ("shop",)
    show_full_result_count = False
