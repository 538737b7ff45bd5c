"""gunicorn settings for `make serve` and production; each value can come from the environment."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Several workers so a slow search or export never holds up other readers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# No control socket: it lives at one path per user, so a second instance (a test, a load run)
# on the same machine would take it over.
control_socket_disable = True
