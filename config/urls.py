"""Root URLs: each app's URLconf, the admin, and the site-wide framework hooks."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from archive import oai, opensearch, unapi
from archive.sitemaps import SITEMAPS
from search.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("search/", include("search.urls")),
    path("oai/", oai.oai, name="oai"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots_txt",
    ),
    path("opensearch.xml", opensearch.description, name="opensearch"),
    path("healthz", healthz, name="healthz"),
    path("unapi", unapi.unapi, name="unapi"),
    path("", include("archive.urls")),
]
