"""WSGI entry point for gunicorn, runserver and other servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The serving process opens the search index before its first request, and keeps it in step
# with the database (search/keeper.py).
from search.keeper import start_keeper, warm_up  # noqa: E402  (needs the app registry above)

warm_up()
start_keeper()
