"""The project's URLs plus the bare endpoint of the benchmark (bench.settings): the floor every request of
this server pays (daphne, Django's handler, the whole middleware stack, a response), with no work of its own."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ess.urls import urlpatterns as ess_urlpatterns

BARE_PATH = "/bench/bare/"


@csrf_exempt
@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    """A plain (sync) Django view: what a Django endpoint costs on this server when it does nothing."""
    return HttpResponse("OK", content_type="text/plain")


urlpatterns = [path(BARE_PATH.strip("/") + "/", bare, name="bench-bare"), *ess_urlpatterns]
