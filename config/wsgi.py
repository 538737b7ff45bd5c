"""WSGI entry point for gunicorn, runserver and other servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The serving process keeps the search index in step with the database (search/keeper.py).
from search.keeper import start_keeper  # noqa: E402  (needs the app registry loaded above)

start_keeper()
