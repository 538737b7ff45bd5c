"""Template context every page needs: the site's name."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    """Return the site name, so templates never hard-code it."""
    return {"site_name": settings.SITE_NAME}
