"""The admin's history pages for essays: versions, what changed, restore, and deleted essays."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST
from reversion.models import Version

from archive.history.restore import describe_version, restore_essay
from archive.history.versions import (
    EssaySnapshot,
    changed_labels,
    changes_between,
    deleted_essays,
    essay_versions,
)
from archive.models import Essay

VERSIONS_PER_PAGE = 25
DELETED_PER_PAGE = 50


class EssayHistoryAdminMixin:
    """Pages for ModelAdmin of Essay: history list, one version against the one before it,
    restore (a POST from either), and the list of deleted essays to bring back."""

    def history_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("deleted/", wrap(self.deleted_view), name="archive_essay_deleted"),
            path(
                "<path:object_id>/history/<int:version_id>/",
                wrap(self.version_view),
                name="archive_essay_version",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                wrap(require_POST(self.restore_view)),
                name="archive_essay_restore",
            ),
        ]

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        essay_id, essay = self._essay_for_history(request, object_id)
        page = Paginator(essay_versions(essay_id), VERSIONS_PER_PAGE).get_page(request.GET.get("p"))
        versions = list(page)
        if not versions and essay is None:
            raise Http404("No essay and no history with this id.")
        # One more, to say what the oldest on this page changed.
        after_page = essay_versions(essay_id)[page.end_index() : page.end_index() + 1]
        older_one = next(iter(after_page), None)
        snapshots = [EssaySnapshot.of(v) for v in versions]
        older = [*snapshots[1:], EssaySnapshot.of(older_one) if older_one else None]
        rows = [
            {"snapshot": snap, "changed": changed_labels(before, snap), "current": False}
            for snap, before in zip(snapshots, older, strict=True)
        ]
        if rows and essay is not None and page.number == 1:
            rows[0]["current"] = True
        context = {
            **self._history_context(request, essay_id, essay),
            "title": f"History: {essay or versions[0].object_repr}",
            "rows": rows,
            "page_obj": page,
        }
        return TemplateResponse(request, "admin/archive/essay/history.html", context)

    def version_view(self, request: HttpRequest, object_id: str, version_id: int):
        essay_id, essay = self._essay_for_history(request, object_id)
        version = essay_versions(essay_id).filter(pk=version_id).first()
        if version is None:
            raise Http404("No such version of this essay.")
        snapshot = EssaySnapshot.of(version)
        older = self._version_before(essay_id, version)
        context = {
            **self._history_context(request, essay_id, essay),
            "title": f"Version of {describe_version(version)}",
            "snapshot": snapshot,
            "older": older,
            "changes": changes_between(EssaySnapshot.of(older) if older else None, snapshot),
        }
        return TemplateResponse(request, "admin/archive/essay/version.html", context)

    def restore_view(self, request: HttpRequest, object_id: str, version_id: int):
        essay_id, essay = self._essay_for_history(request, object_id)
        allowed = (
            self.has_change_permission(request, essay)
            if essay
            else self.has_add_permission(request)
        )
        version = essay_versions(essay_id).filter(pk=version_id).first()
        if not allowed:
            raise PermissionDenied
        if version is None:
            raise Http404("No such version of this essay.")
        restored = restore_essay(version, request.user)
        verb = "Brought back the deleted essay" if restored.recreated else "Restored"
        self.message_user(
            request,
            f"{verb} “{restored.essay.title}” as it was in the version of "
            f"{describe_version(version)}.",
            messages.SUCCESS,
        )
        for note in restored.notes:
            self.message_user(request, note, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:archive_essay_change", args=[essay_id]))

    def deleted_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()[:200]
        page = Paginator(deleted_essays(query), DELETED_PER_PAGE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Deleted essays",
            "query": query,
            "page_obj": page,
            "rows": [EssaySnapshot.of(version) for version in page],
        }
        return TemplateResponse(request, "admin/archive/essay/deleted.html", context)

    # --- helpers -----------------------------------------------------------------------------

    def _essay_for_history(self, request: HttpRequest, object_id: str) -> tuple[int, Essay | None]:
        """Return the essay id asked for and the essay (None once deleted), or refuse."""
        text = unquote(object_id)
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise Http404("Not an essay id.")
        essay = Essay.objects.filter(pk=int(text)).first()
        allowed = (
            self.has_view_or_change_permission(request, essay)
            if essay
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        return int(text), essay

    def _history_context(self, request: HttpRequest, essay_id: int, essay: Essay | None) -> dict:
        can_restore = (
            self.has_change_permission(request, essay)
            if essay
            else self.has_add_permission(request)
        )
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "essay_id": essay_id,
            "essay": essay,
            "can_restore": can_restore,
        }

    @staticmethod
    def _version_before(essay_id: int, version: Version) -> Version | None:
        versions = list(essay_versions(essay_id).values_list("pk", flat=True))
        index = versions.index(version.pk)
        older = versions[index + 1] if index + 1 < len(versions) else None
        return essay_versions(essay_id).filter(pk=older).first() if older else None
