from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ThaiFirstLocaleMiddleware:
    """Thai unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and call-centre PCs are often
    set up in English; operators work in Thai, so the browser setting is deliberately ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
