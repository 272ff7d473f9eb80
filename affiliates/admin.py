"""Agencies and their portal members in the admin, written through affiliates.services.agencies like the shops'
admin (shopops.admin): the forms' clean() calls the services' checks, so a refusal (credentials given by halves, a
console user or a member of another agency as a portal account) shows on the form and nothing is saved; save_model
and save_formset then call the services, which check again."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import APIKey

from affiliates.admin_plans import PlanTermsAdmin, PromotionPlanAdmin
from affiliates.admin_sync import AgencyAlertAdmin, AgencySyncCursorAdmin, AgencySyncStateAdmin
from affiliates.models import (
    AffiliateSettings,
    Agency,
    AgencyAPIKey,
    AgencyMember,
    AgencyProduct,
    AgencyTalent,
    CommissionLine,
    CommissionOrder,
    CommissionOrderRollup,
    CommissionRollup,
    Cooperation,
    ExclusiveTerm,
    FundsFlow,
    PlanTerms,
    PromotionPlan,
    Sharer,
    Talent,
)
from affiliates.models.sync import AgencyAlert, AgencySyncCursor, AgencySyncState
from affiliates.services import agencies
from shopops.admin import AuditedAdmin, MoneyAdminMixin, ReadOnlyAdmin
from shopops.forms.validators import appid_validator


class AgencyMemberInlineForm(forms.ModelForm):
    class Meta:
        model = AgencyMember
        fields = ("user",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A portal account is who it is: to give the place to someone else, remove it and add theirs.
            self.fields["user"].disabled = True


class AgencyMemberInlineFormSet(forms.BaseInlineFormSet):
    """Each added user must be able to have a portal account (agency_member_add_check)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        for form in self.forms:
            if form.instance.pk or form in self.deleted_forms or not form.has_changed():
                continue
            try:
                agencies.agency_member_add_check(user=form.cleaned_data.get("user"))
            except ValidationError as exc:
                form.add_error("user", exc)

    def save_through_services(self) -> None:
        self.save(commit=False)  # applies nothing yet; fills new_objects and deleted_objects
        for member in self.new_objects:
            member.pk = agencies.agency_member_add(agency=self.instance, username=member.user.username).pk
        for member in self.deleted_objects:
            member.delete()


class AgencyMemberInline(admin.TabularInline):
    model = AgencyMember
    form = AgencyMemberInlineForm
    formset = AgencyMemberInlineFormSet
    extra = 0
    autocomplete_fields = ("user",)


class AgencyAdminForm(forms.ModelForm):
    appid = forms.CharField(label=_("AppID"), max_length=32, required=False, validators=[appid_validator])
    app_secret = forms.CharField(
        label=_("AppSecret"),
        required=False,
        validators=[RegexValidator(r"^[0-9a-zA-Z]{32}$", _("The AppSecret is 32 letters or digits."))],
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Left empty, the stored AppSecret stays; a new AppID needs its AppSecret."),
    )

    class Meta:
        model = Agency
        fields = ("name", "appid", "app_secret", "status")

    def clean(self):
        cleaned = super().clean()
        if "appid" not in cleaned or "app_secret" not in cleaned:
            return cleaned
        appid, app_secret = cleaned["appid"], cleaned["app_secret"]
        stored = Agency.objects.get(pk=self.instance.pk) if self.instance.pk else None
        if appid and not app_secret and stored and appid == stored.appid:
            app_secret = cleaned["app_secret"] = stored.app_secret  # the secret is never shown, so not sent back
        try:
            agencies.agency_credentials_check(appid=appid, app_secret=app_secret)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    form = AgencyAdminForm
    list_display = ("name", "appid", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "appid")
    fields = ("name", "appid", "app_secret", "status")
    inlines = [AgencyMemberInline]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = agencies.agency_create(name=data["name"], appid=data["appid"], app_secret=data["app_secret"])
            if created.status != data["status"]:
                created = agencies.agency_update(agency=created, name=created.name, status=data["status"])
            obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at
            obj._state.adding = False
            return
        stored = Agency.objects.get(pk=obj.pk)
        if (stored.name, stored.status) != (data["name"], data["status"]):
            agencies.agency_update(agency=stored, name=data["name"], status=data["status"])
        if (stored.appid, stored.app_secret) != (data["appid"], data["app_secret"]):
            agencies.agency_credentials_set(agency=stored, appid=data["appid"], app_secret=data["app_secret"])

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, AgencyMemberInlineFormSet):
            formset.save_through_services()
        else:
            super().save_formset(request, form, formset, change)


class AgencyMemberAdminForm(forms.ModelForm):
    class Meta:
        model = AgencyMember
        fields = ("agency", "user")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and "user" in cleaned:
            try:
                agencies.agency_member_add_check(user=cleaned["user"])
            except ValidationError as exc:
                self.add_error("user", exc)
        return cleaned


@admin.register(AgencyMember)
class AgencyMemberAdmin(AuditedAdmin):
    """Portal accounts are added through agency_member_add; once added, a member's agency and user are fixed."""

    form = AgencyMemberAdminForm
    list_display = ("user", "agency", "created_at")
    list_filter = ("agency",)
    search_fields = ("user__username", "agency__name")
    list_select_related = ("user", "agency")
    autocomplete_fields = ("user", "agency")

    def get_readonly_fields(self, request, obj=None):
        return ("agency", "user") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on the change form is editable
        created = agencies.agency_member_add(agency=obj.agency, username=obj.user.username)
        obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at
        obj._state.adding = False


# --- 优选联盟: what support staff look at -----------------------------------------------------------------------------
# Plans, talents, cooperations and exclusive terms change through the console's services (each checks the platform's
# rules first); synced copies and the reconciliation are the platform's and the sync's. Support staff read them here.


admin.site.register(PromotionPlan, PromotionPlanAdmin)
admin.site.register(AgencySyncCursor, AgencySyncCursorAdmin)
admin.site.register(AgencySyncState, AgencySyncStateAdmin)
admin.site.register(AgencyAlert, AgencyAlertAdmin)
# PlanTerms are read on their plan's page (PlanTermsInline); the list of all terms is for searching across plans.
admin.site.register(PlanTerms, PlanTermsAdmin)


@admin.register(AffiliateSettings)
class AffiliateSettingsAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"min_sale_gmv_30d_fen": _("Minimum 30-day GMV")}
    list_display = ("shop", "league", "league_checked_at", "min_fans", "min_sale_gmv_30d_yuan")
    list_filter = ("league",)
    search_fields = ("shop__name", "shop__appid")
    list_select_related = ("shop",)


@admin.register(Talent)
class TalentAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"total_sale_gmv_fen": _("Total GMV"), "sale_gmv_30d_fen": _("30-day GMV")}
    list_display = ("nickname", "talent_appid", "shop", "status", "is_blacklisted", "sale_gmv_30d_yuan")
    list_filter = ("status", "is_blacklisted")
    search_fields = ("nickname", "talent_appid", "finder_id", "shop__name")
    list_select_related = ("shop",)


@admin.register(ExclusiveTerm)
class ExclusiveTermAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"floor_price_fen": _("Floor price"), "price_fen": _("Exclusive price")}
    list_display = ("talent", "product_id", "shop", "price_yuan", "floor_price_yuan", "stock")
    list_filter = ("updated_at",)
    search_fields = ("product_id", "talent__nickname", "shop__name")
    list_select_related = ("shop", "talent")


@admin.register(Cooperation)
class CooperationAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"gmv_fen": _("GMV"), "settled_fen": _("Settled"), "unsettled_fen": _("Not settled")}
    list_display = ("shop_name", "shop_appid", "agency_name", "agency_appid", "status", "invited_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("shop_name", "shop_appid", "agency_name", "agency_appid")


@admin.register(CommissionLine)
class CommissionLineAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "paid_fen": _("Paid for line"),
        "refunded_fen": _("Refunded"),
        "platform_amount_fen": _("Platform commission"),
        "expected_amount_fen": _("Expected commission"),
        "difference_fen": _("Difference"),
    }
    list_display = (
        "order_id",
        "sku_id",
        "shop",
        "party",
        "nickname",
        "platform_amount_yuan",
        "expected_amount_yuan",
        "reason",
    )
    list_filter = ("party", "status", "reason", "self_referral")
    search_fields = ("order_id", "sku_id", "product_id", "party_id", "shop__name")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(CommissionOrder)
class CommissionOrderAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {
        "actual_payment_fen": _("Commissionable amount"),
        "promoter_amount_fen": _("Promoter commission"),
        "service_amount_fen": _("Service fee"),
        "expected_service_amount_fen": _("Expected service fee"),
        "expected_promoter_amount_fen": _("Expected promoter commission"),
        "difference_fen": _("Difference"),
    }
    list_display = ("order_id", "sku_id", "agency", "shop_name", "status", "service_amount_yuan", "reason")
    list_filter = ("status", "promoter_kind", "reason", "self_referral")
    search_fields = ("order_id", "sku_id", "product_id", "shop_appid", "agency__name")
    list_select_related = ("agency",)
    show_full_result_count = False


@admin.register(CommissionRollup)
class CommissionRollupAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived by the reconciliation; shown so support staff can compare a report's figure with its lines."""

    money_titles = {
        "paid_fen": _("Paid"),
        "refunded_fen": _("Refunded"),
        "gmv_fen": _("GMV"),
        "platform_fen": _("Platform commission"),
        "expected_fen": _("Expected commission"),
        "difference_fen": _("Difference"),
    }
    list_display = ("month", "shop", "party", "nickname", "product_id", "lines", "platform_yuan", "difference_yuan")
    list_filter = ("party", "reason", "month")
    search_fields = ("shop__name", "party_id", "nickname", "agency_appid", "product_id")
    list_select_related = ("shop",)
    show_full_result_count = False


@admin.register(CommissionOrderRollup)
class CommissionOrderRollupAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    """Derived from an agency's commission orders; the portal's totals read it."""

    money_titles = {
        "payment_fen": _("Commissionable amount"),
        "service_fen": _("Service fee"),
        "promoter_fen": _("Promoter commission"),
    }
    list_display = ("created_day", "agency", "shop_appid", "status", "count", "payment_yuan", "service_yuan")
    list_filter = ("status", "promoter_kind", "created_day")
    search_fields = ("agency__name", "shop_appid")
    list_select_related = ("agency",)
    show_full_result_count = False


@admin.register(AgencyProduct)
class AgencyProductAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"min_price_fen": _("Price from")}
    list_display = ("product_id", "title", "agency", "shop_appid", "status", "ratio_ppm", "service_ratio_ppm")
    list_filter = ("status",)
    search_fields = ("product_id", "title", "shop_appid", "agency__name")
    list_select_related = ("agency",)


@admin.register(Sharer)
class SharerAdmin(ReadOnlyAdmin):
    list_display = ("nickname", "sharer_appid", "agency", "bind_time", "commission_type", "commission_ratio")
    list_filter = ("commission_type", "bind_time")
    search_fields = ("nickname", "sharer_appid", "agency__name")
    list_select_related = ("agency",)


@admin.register(AgencyTalent)
class AgencyTalentAdmin(ReadOnlyAdmin):
    list_display = ("nickname", "talent_appid", "agency", "bind_time")
    list_filter = ("bind_time",)
    search_fields = ("nickname", "talent_appid", "agency__name")
    list_select_related = ("agency",)


@admin.register(FundsFlow)
class FundsFlowAdmin(MoneyAdminMixin, ReadOnlyAdmin):
    money_titles = {"amount_fen": _("Amount"), "balance_fen": _("Balance after")}
    list_display = ("flow_id", "agency", "funds_type", "amount_yuan", "balance_yuan", "bookkeeping_time")
    list_filter = ("funds_type",)
    search_fields = ("flow_id", "order_id", "agency__name")
    list_select_related = ("agency",)


@admin.register(AgencyAPIKey)
class AgencyAPIKeyAdmin(AuditedAdmin):
    """Support staff see an agency's keys (never the key itself: only its hash is stored) and may revoke one."""

    list_display = ("name", "prefix", "agency", "created", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix", "agency__name")
    list_select_related = ("agency",)
    fields = ("name", "prefix", "agency", "created", "last_used_at", "expiry_date", "revoked")
    readonly_fields = ("name", "prefix", "agency", "created", "last_used_at", "expiry_date")

    def has_add_permission(self, request):
        return False  # keys are made by the agency in the partner portal, which shows the key once


# The library's own key model is unused (AgencyAPIKey is ours): keep it out of the support staff's way.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)
