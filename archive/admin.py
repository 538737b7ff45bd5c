"""The curators' admin: essays, authors, sources and topics, and the text-file upload."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import URLPattern

from archive.admin_deletion import curator_deleted_objects
from archive.admin_import import EssayImportAdminMixin
from archive.forms import AuthorshipInlineForm, EssayAdminForm
from archive.history import recording
from archive.history.admin_views import EssayHistoryAdminMixin
from archive.models import (
    Author,
    Authorship,
    CatalogueEntry,
    Essay,
    Republication,
    Source,
    Topic,
)

# The admin is the archive's own, not "Django administration".
admin.site.site_header = settings.SITE_NAME
admin.site.site_title = f"{settings.SITE_NAME}: curators"
admin.site.index_title = "Curate the archive"
# The app list on every page takes 300 px that the essay list needs at 1280 px; the admin index
# and the breadcrumbs lead to the same places.
admin.site.enable_nav_sidebar = False

# Django 6 switches bare URLs typed in forms to https://; say so now (and silence its warning).
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class PublicationYearFilter(admin.SimpleListFilter):
    """Filter essays by the year of `published_on`, listing only the years that have essays."""

    title = "year"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        years = [(str(year), f"{year} ({n})") for year, n in Essay.objects.year_counts()]
        return [*years, ("none", "No date")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if value == "none":
            return queryset.filter(published_on=None)
        if not value.isascii() or not value.isdigit():
            # The admin answers this with its "invalid filter" redirect, not a 500.
            raise IncorrectLookupParameters(f"Not a year: {value!r}")
        return queryset.in_year(int(value))


class AuthorshipInline(admin.TabularInline):
    """The byline, in order; saving renumbers positions 0..n-1 (see EssayAdmin.save_related)."""

    model = Authorship
    form = AuthorshipInlineForm
    fields = ["author", "position"]
    autocomplete_fields = ["author"]
    ordering = ["position", "id"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class RepublicationInline(admin.TabularInline):
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    model = Republication
    fields = ["publication", "url", "date", "date_precision", "note"]
    extra = 0


class HistoryLoggingAdmin(admin.ModelAdmin):
    """Give each change's history version the admin's own description ("Changed Title.")."""

    def log_addition(self, request, obj, message):
        recording.describe(obj, message or "Added.")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        recording.describe(obj, message or "Saved without changes.")
        return super().log_change(request, obj, message)


@admin.register(Essay)
class EssayAdmin(EssayImportAdminMixin, EssayHistoryAdminMixin, HistoryLoggingAdmin):
    form = EssayAdminForm
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    # What a curator scans at 1280 px without sideways scrolling (static/css/admin.css sets the
    # widths, measured in tests/browser/test_admin_layout.py).
    list_display = [
        "title",
        "byline_display",
        "date_display",
        "status",
        "source",
        "language",
        "updated_display",
    ]
    list_filter = ["status", "source", "language", PublicationYearFilter]
    # The source column needs the join: a bare select_related() (the admin's default) skips
    # nullable foreign keys. Authors come from the prefetch in get_queryset.
    list_select_related = ["source"]
    search_fields = ["title", "body_text", "authors__name"]
    autocomplete_fields = ["source", "topics"]
    # No prepopulated slug: the slug follows the title on save until a curator types one
    # (EssayAdminForm, Essay.save), which the script filling it in would make look typed.
    readonly_fields = ["word_count", "created", "updated", "import_key"]
    inlines = [AuthorshipInline, RepublicationInline]
    actions = ["publish_selected", "unpublish_selected"]
    # "View on site" goes through the admin's redirect to get_absolute_url(); the essay page
    # shows drafts to staff (EssayQuerySet.visible_to), so a draft can be previewed there.
    view_on_site = True
    save_on_top = True
    empty_value_display = "(none)"
    fieldsets = [
        (
            "Essay",
            {
                "fields": [
                    "title",
                    ("slug", "slug_is_manual"),
                    "standfirst",
                    "body",
                    "allow_text_removal",
                    "language",
                    "source",
                    "topics",
                ]
            },
        ),
        ("Date", {"fields": [("published_on", "date_precision")]}),
        (
            "Notes kept apart from the body",
            {
                "fields": [
                    "author_notes",
                    "disclaimer",
                    "original_publication",
                    "original_url",
                    ("original_date", "original_date_precision"),
                    "original_note",
                ],
            },
        ),
        ("Status", {"fields": ["status"]}),
        (
            "Record",
            {"fields": ["word_count", "created", "updated", "import_key"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Source and ordered authors for the change list's columns in a bounded number of
        # queries, whatever the page size.
        return super().get_queryset(request).for_listing()

    @admin.display(description="Authors")
    def byline_display(self, essay: Essay) -> str:
        return essay.byline

    @admin.display(description="Date", ordering="published_on")
    def date_display(self, essay: Essay) -> str:
        return essay.date_display

    @admin.display(description="Updated", ordering="updated")
    def updated_display(self, essay: Essay):
        return essay.updated.date()

    def save_model(self, request: HttpRequest, essay: Essay, form, change: bool) -> None:
        super().save_model(request, essay, form, change)
        for removal in form.removals:  # what sanitizing took out, allowed by the curator
            self.message_user(request, f"Removed on saving: {removal}.", messages.WARNING)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        renumber_authorships(form.instance)

    def get_deleted_objects(self, objs, request: HttpRequest):
        """List what a curator recognises: essays, bylines, republications, topic links."""
        _, _, perms_needed, protected = super().get_deleted_objects(objs, request)
        to_delete, model_count = curator_deleted_objects(objs)
        return to_delete, model_count, perms_needed, protected

    def has_recover_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request)

    # Both actions save essay by essay instead of queryset.update(): update() writes SQL
    # directly, skipping Essay.save() (sanitizing, derived text) and the post_save signals the
    # search index listens to, so a published essay would never reach search and an
    # unpublished one would stay findable. It also lets every change be logged for history.
    @admin.action(description="Publish selected essays", permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = self._set_status(request, queryset, Essay.Status.PUBLISHED)
        self.message_user(request, f"Published {n} essay{'s' if n != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected essays (back to draft)", permissions=["change"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = self._set_status(request, queryset, Essay.Status.DRAFT)
        self.message_user(
            request, f"Unpublished {n} essay{'s' if n != 1 else ''}.", messages.SUCCESS
        )

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> int:
        changed = 0
        with transaction.atomic():
            for essay in queryset.exclude(status=status):
                essay.status = status
                essay.save()
                self.log_change(request, essay, [{"changed": {"fields": ["Status"]}}])
                changed += 1
        return changed

    def get_urls(self) -> list[URLPattern]:
        return [*self.import_urls(), *self.history_urls(), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_import_permission(request),
            "can_recover": self.has_recover_permission(request),
        }
        return super().changelist_view(request, extra_context)


def renumber_authorships(essay: Essay) -> None:
    """Rewrite an essay's author positions as 0..n-1, keeping their order."""
    ordered = essay.authorships.order_by("position", "id")
    for position, authorship in enumerate(ordered):
        if authorship.position != position:
            authorship.position = position
            authorship.save(update_fields=["position"])


class EssayCountAdmin(HistoryLoggingAdmin):
    """An author, source or topic list with a sortable count of its essays."""

    # What Count() follows to the row's essays; an author's go through authorships, one per essay.
    essays_relation = "essays"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(essay_count=Count(self.essays_relation))

    @admin.display(description="Essays", ordering="essay_count")
    def essay_count(self, entry: CatalogueEntry) -> int:
        return entry.essay_count


@admin.register(Author)
class AuthorAdmin(EssayCountAdmin):
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["name", "sort_name", "affiliation", "essay_count"]
    # Explicit: Meta.ordering is not applied to the GROUP BY query the essay count makes.
    # The collation key puts "Ёлкин" after "Елизаров" and "Çelik" beside "Celik".
    ordering = ["sort_key", "pk"]
    search_fields = ["name", "sort_name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "updated"]
    essays_relation = "authorships"


@admin.register(Source)
class SourceAdmin(EssayCountAdmin):
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["name", "url", "has_disclaimer", "essay_count"]
    ordering = ["name"]
    # Also what the essay form's source autocomplete searches.
    search_fields = ["name", "description", "disclaimer", "disclaimer_variants"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "url", "description"]}),
        (
            "Recognising the publisher on import",
            {
                "fields": ["disclaimer", "disclaimer_variants"],
                "description": (
                    "An imported essay that ends with one of these wordings is given this "
                    "source, and the wording is kept apart from its body. Matching ignores "
                    "case, spacing and the style of quotes and dashes."
                ),
            },
        ),
        ("Record", {"fields": ["created", "updated"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Disclaimer known", boolean=True)
    def has_disclaimer(self, source: Source) -> bool:
        return bool(source.disclaimer_wordings())


@admin.register(Topic)
class TopicAdmin(EssayCountAdmin):
    list_display = ["name", "essay_count"]
    ordering = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
