"""The login throttle: django-axes' lockout check, for logins that come from a web request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuse logins for a locked-out username and address; leave the password check to Django.

    django-axes raises when `authenticate()` is called without a request. Every login form a
    person can reach (the admin's, Django's AuthenticationForm) passes one; calls without one
    come from code on the server (the test client's `login()`, a shell), have no client address
    to throttle, and go straight on to the ModelBackend.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
