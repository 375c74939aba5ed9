"""The Middleware — the Coodie Corps' Django specialist, a shapeshifter who intercepts every
HTTP request: it makes sure coodie is connected (lazily, on the first request) before a
view runs, and signs every response."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from django_taskboard.connection import ensure_ready


class TheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/static/"):
            ensure_ready()
        response = self.get_response(request)
        response["X-Intercepted-By"] = "The Middleware"
        return response
