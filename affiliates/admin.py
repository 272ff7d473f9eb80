"""Agencies and their portal members in the admin, written through affiliates.services.agencies like the shops'
admin (shopops.admin): the forms' clean() calls the services' checks, so a refusal (credentials given by halves, a
console user or a member of another agency as a portal account) shows on the form and nothing is saved; save_model
and save_formset then call the services, which check again."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from affiliates.models import Agency, AgencyMember
from affiliates.services import agencies
from shopops.admin import AuditedAdmin
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
