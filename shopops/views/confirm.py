"""What every feature's console views share for actions: a service's refusal put on a form, and the confirmed
action (GET asks, POST acts)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from shopops.roles import Perm
from shopops.views import ShopMixin


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ConfirmView(ShopMixin, TemplateView):
    """GET asks for confirmation; POST acts. Refusals come back as a message on the page the user came from.

    Subclasses give ``get_object()``, ``confirm_context(obj)`` (``confirm_title``, ``confirm_text`` …),
    ``act(obj)`` → the success message, and ``back_url(obj)``."""

    permission = Perm.OPERATE
    template_name = "console/confirm.html"

    def get_object(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.confirm_context(self.get_object()))
        return context

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            message = self.act(obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect(self.back_url(obj))
