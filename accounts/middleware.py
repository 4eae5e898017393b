"""No copy of a page in a browser or proxy cache."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Every page the app renders is sent with ``Cache-Control: no-store, private``.

    Behind the login nearly every page holds scores or personal data (dossiers, ranking and
    its exports, runs, decisions, the proces-verbaal, contact and candidacy pages), and a
    page with nothing personal gains nothing from a cache. So the rule holds for every
    response rather than for a list of views that a new page could miss. Static files are
    served before this middleware (WhiteNoise) and keep their long cache lifetime; a view
    that sets its own Cache-Control keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response
