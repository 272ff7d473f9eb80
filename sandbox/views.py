"""The one Django view: every platform path under /sandbox/api/ goes through sandbox.api.dispatch."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

import sandbox.api  # noqa: F401  (registers the endpoints)
from sandbox.api.dispatch import handle


@csrf_exempt
@login_not_required
def api(request, path: str = ""):
    answer = handle(request.method, path, request.GET.dict(), request.body)
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response
