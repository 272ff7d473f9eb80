import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.fields import EncryptedTextField
from shopops.roles import Role


class User(AbstractUser):
    """A person who signs in: a shop member (console), an agency member (portal) or support staff (admin)."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ShopQuerySet(models.QuerySet):
    def for_user(self, user):
        """The shops the user is a member of: the console's tenant boundary."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def connected(self):
        """The shops holding both platform credentials, an AppID and an AppSecret: the only ones the platform can
        be asked about (sync, linked accounts, connection test). ``Shop.is_connected`` is the same rule for one
        shop.

        Filtered in SQL although the AppSecret is encrypted: ``EncryptedTextField`` stores an empty value as the
        empty string, unencrypted (and the column is not nullable), so ``app_secret=""`` matches exactly the shops
        without one; any other value is a Fernet token."""
        return self.exclude(appid="").exclude(app_secret="")


class Shop(TimeStampedModel):
    """A WeChat Shop (微信小店): the tenant. Its three platform secrets are encrypted at rest."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    appid = models.CharField(_("AppID"), max_length=32, blank=True)
    app_secret = EncryptedTextField(_("AppSecret"), blank=True)
    push_token = EncryptedTextField(_("push Token"), blank=True)
    encoding_aes_key = EncryptedTextField(_("EncodingAESKey"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)

    objects = ShopQuerySet.as_manager()

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appid"], condition=~models.Q(appid=""), name="shop_appid_unique_when_set")
        ]

    def __str__(self):
        return self.name

    @property
    def is_connected(self) -> bool:
        """Whether the shop holds both an AppID and an AppSecret (``ShopQuerySet.connected`` for many shops).
        Says nothing about whether the platform accepts them: that is the connection test."""
        return bool(self.appid and self.app_secret)


class Membership(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("shop"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["shop", "user__username"]
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="membership_unique_user_per_shop")]

    def __str__(self):
        return f"{self.user} @ {self.shop} ({self.get_role_display()})"
