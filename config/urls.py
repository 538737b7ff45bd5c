"""Root URLs: each app's URLconf, the admin, and the site-wide framework hooks."""

from django.contrib import admin
from django.urls import include, path

from archive import oai

urlpatterns = [
    path("admin/", admin.site.urls),
    path("search/", include("search.urls")),
    path("oai/", oai.oai, name="oai"),
    path("", include("archive.urls")),
]
