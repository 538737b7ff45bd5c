"""Root URLs: each app's URLconf, the admin, and the site-wide framework hooks."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("search/", include("search.urls")),
    path("", include("archive.urls")),
]
