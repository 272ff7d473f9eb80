"""The 电商成长卡 pages of the console: the cards with what is left on each, a card with its boosts (加热) and
history, entering a card, recording a boost, reversing a boost.

WeChat has no API for growth cards: the merchant enters what the WeChat Shop backend and the live room show, and
ShopOps keeps the ledger. Views parse input and call one service or selector: ``Perm.VIEW`` to look, ``Perm.OPERATE``
to change; a refusal shows its reason on its field and changes nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from incentives.forms.growth import CardSpendForm, GrowthCardForm
from incentives.models.growth import CardSource
from incentives.selectors import growth as selectors
from incentives.services import growth as services
from shopops.money import format_yuan
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

CARDS_PER_PAGE = 50


class GrowthCardListView(ShopMixin, TemplateView):
    """The shop's cards, usable first, with what is left, their status (expiring soon highlighted) and the totals.
    A fixed number of queries whatever the number of cards."""

    template_name = "incentives/growth/card_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        status = self.request.GET.get("status", "")
        status = status if status in selectors.CardStatus.LABELS else ""
        cards = selectors.growth_cards_for_shop(shop=self.shop, status=status, today=today)
        page = Paginator(cards, CARDS_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            cards=page.object_list,
            totals=selectors.growth_card_totals(shop=self.shop, today=today),
            status=status,
            statuses=[(key, selectors.CardStatus.LABELS[key]) for key in selectors.CardStatus.ORDER],
            status_labels=selectors.CardStatus.LABELS,
            expiring_days=selectors.EXPIRING_SOON_DAYS,
            query=urlencode({"status": status}) if status else "",
        )
        return context


class GrowthCardCreateView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "incentives/growth/card_form.html"
    form_class = GrowthCardForm

    def get_initial(self):
        return {"issued_on": timezone.localdate(), "source": CardSource.PROGRAMME}

    def form_valid(self, form):
        try:
            card = services.card_issue(shop=self.shop, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Growth card %(number)s (%(value)s) is recorded.")
            % {"number": card.card_number, "value": format_yuan(card.face_value_fen)},
        )
        return redirect("console:growth_card_detail", shop=self.shop.public_id, pk=card.pk)


class GrowthCardDetailView(ShopMixin, FormView):
    """A card: what is left, its boosts (each reversible), its ledger history, and the form that records a boost.
    Anyone may look; recording a boost needs ``Perm.OPERATE`` (checked on POST)."""

    template_name = "incentives/growth/card_detail.html"
    form_class = CardSpendForm

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            self.permission = Perm.OPERATE
        return super().dispatch(request, *args, **kwargs)

    def get_card(self):
        if not hasattr(self, "card"):
            self.card = selectors.growth_card_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        return self.card

    def get_initial(self):
        return {"spent_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        card = self.get_card()
        context = super().get_context_data(**kwargs)
        context.update(
            card=card,
            status_label=selectors.CardStatus.LABELS[card.status],
            spends=list(selectors.card_spends(card=card)),
            history=selectors.card_history(card=card),
            can_spend=card.status in (selectors.CardStatus.VALID, selectors.CardStatus.EXPIRING),
        )
        return context

    def form_valid(self, form):
        card = self.get_card()
        try:
            spend = services.card_spend(card=card, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Boost of %(amount)s recorded on card %(number)s.")
            % {"amount": format_yuan(spend.amount_fen), "number": card.card_number},
        )
        return redirect("console:growth_card_detail", shop=self.shop.public_id, pk=card.pk)


class CardSpendReverseView(ConfirmView):
    template_name = "incentives/growth/confirm.html"

    def get_object(self):
        return selectors.card_spend_get_for_shop_or_404(
            shop=self.shop, card_pk=self.kwargs["pk"], pk=self.kwargs["spend"]
        )

    def back_url(self, spend):
        return reverse("console:growth_card_detail", kwargs={"shop": self.shop.public_id, "pk": spend.card_id})

    def confirm_context(self, spend):
        return {
            "confirm_title": _("Reverse the boost of %(amount)s on %(day)s?")
            % {"amount": format_yuan(spend.amount_fen), "day": spend.spent_on.isoformat()},
            "confirm_text": _(
                "The amount goes back on card %(number)s with a reversing entry booked today; the boost stays in the "
                "history, marked as reversed. Use it for a boost recorded by mistake: nothing changes in WeChat."
            )
            % {"number": spend.card.card_number},
            "confirm_label": _("Reverse the boost"),
            "cancel_url": self.back_url(spend),
            "breadcrumb": _("Growth card %(number)s") % {"number": spend.card.card_number},
        }

    def act(self, spend):
        services.card_spend_reverse(spend=spend)
        return _("The boost of %(amount)s is reversed.") % {"amount": format_yuan(spend.amount_fen)}
