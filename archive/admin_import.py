"""The essay admin's upload: essay files, a batch or a .zip, imported as drafts unless the curator
says otherwise, then a report of each file as parsed, with what is missing and a link to edit it."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from archive.forms import EssayUploadForm
from archive.importing import CREATED, DUPLICATE, UNCHANGED, UPDATED, ImportFailure, ImportOutcome
from archive.importing.report import ReportLine, describe_import, describe_merge
from archive.importing.save import describe_essay
from archive.importing.uploads import (
    MAX_BATCH_ESSAYS,
    MAX_ESSAY_BYTES,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_BYTES,
    MAX_ZIP_MEMBERS,
    import_unpacked,
)

IMPORT_REPORT_KEY = "essay_import_report"  # the session key the upload's report waits under
# The body as parsed, paragraph by paragraph: all of it for a few files, the start for a batch
# (the session holds the report until it is shown).
PREVIEW_PARAGRAPHS = 80
PREVIEW_PARAGRAPHS_IN_A_BATCH = 3
A_FEW_FILES = 5


class EssayImportAdminMixin:
    """The "Import essays" page of the essay admin (a ModelAdmin mixin)."""

    def import_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="archive_essay_import")]

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Return whether the user may upload: an import adds essays and re-imports change them."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import the uploaded files exactly as `manage.py import_essays` would, as drafts unless
        "publish now" is ticked, then show what each file held (after a redirect, once)."""
        # admin_view() already requires an active staff login and CSRF on POST.
        if not self.has_import_permission(request):
            raise PermissionDenied
        initial = {"essay": request.GET.get("essay")} if request.GET.get("essay") else {}
        form = EssayUploadForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            options = form.import_options()
            results = import_unpacked(form.cleaned_data["unpacked"], options)
            if len(results) == 1 and isinstance(results[0][1], ImportFailure):
                # One file, not imported: say why on the form, which keeps the curator's choices.
                form.add_error("text_file", f"Not imported: {results[0][1]}")
                return self._import_page(request, form, [])
            self.message_user(request, summarize(results, options.dry_run), _level(results))
            few = len(results) <= A_FEW_FILES
            preview = PREVIEW_PARAGRAPHS if few else PREVIEW_PARAGRAPHS_IN_A_BATCH
            request.session[IMPORT_REPORT_KEY] = [
                file_report(name, result, preview) for name, result in results
            ]
            return HttpResponseRedirect(request.get_full_path())
        reports = request.session.pop(IMPORT_REPORT_KEY, None) if request.method == "GET" else None
        return self._import_page(request, form, reports or [])

    def _import_page(self, request: HttpRequest, form: EssayUploadForm, reports: list[dict]):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import essays",
            "form": form,
            "media": self.media + form.media,
            "reports": [_for_template(report) for report in reports],
            "limits": {
                "essay": MAX_ESSAY_BYTES,
                "zip": MAX_ZIP_BYTES,
                "unpacked": MAX_UNPACKED_BYTES,
                "members": MAX_ZIP_MEMBERS,
                "essays": MAX_BATCH_ESSAYS,
            },
        }
        return TemplateResponse(request, "admin/archive/essay/import.html", context)


def file_report(name: str, result: ImportOutcome | ImportFailure, preview: int) -> dict:
    """Return one file's report as the session keeps it (plain data)."""
    if isinstance(result, ImportFailure):
        return {"name": name, "kind": "failed", "headline": f"Not imported: {result.reason}"}
    outcome, parsed = result, result.parsed
    paragraphs = parsed.paragraphs if parsed and outcome.action != DUPLICATE else []
    return {
        "name": name,
        "kind": outcome.action,
        "headline": headline(outcome),
        "title": outcome.essay.title,
        "edit_url": edit_url(outcome),
        "edit_label": "See that essay" if outcome.action == DUPLICATE else "Edit the essay",
        "lines": [
            [line.label, line.value, line.missing]
            for line in [*describe_merge(outcome), *describe_import(outcome)]
        ],
        "paragraphs": paragraphs[:preview],
        "paragraph_count": len(paragraphs),
    }


def headline(outcome: ImportOutcome) -> str:
    """Return what happened to a file, in a few words."""
    essay = outcome.essay
    status = "a draft" if not essay.is_published else "published"
    if outcome.action == DUPLICATE:
        return f"Not imported: the same text as {describe_essay(essay)}"
    if outcome.dry_run:
        verbs = {CREATED: f"Would create, as {status}", UPDATED: "Would update"}
        return "Dry run, nothing saved. " + verbs.get(outcome.action, "Would not change")
    if outcome.action == CREATED:
        return f"Created, as {status}" if status == "a draft" else "Created and published"
    if outcome.action == UPDATED:
        return f"Updated ({', '.join(outcome.changed)}); now {status}"
    return f"Unchanged; {status}"


def edit_url(outcome: ImportOutcome) -> str:
    """Return the admin edit page of the essay an import made, unless a dry run rolled it back."""
    if outcome.dry_run and outcome.action == CREATED or outcome.essay.pk is None:
        return ""
    return reverse("admin:archive_essay_change", args=[outcome.essay.pk])


def summarize(results: list, dry_run: bool) -> str:
    """Return the upload's outcome in one sentence, for the message at the top of the page: a
    single essay's links to it."""
    if len(results) == 1 and isinstance(results[0][1], ImportOutcome):
        return describe_outcome(results[0][1])
    counts = Counter(
        "failed" if isinstance(result, ImportFailure) else result.action for _, result in results
    )
    conflicts = sum(len(r.conflicts) for _, r in results if isinstance(r, ImportOutcome))
    parts = [
        f"{counts[CREATED]} created",
        f"{counts[UPDATED]} updated",
        f"{counts[UNCHANGED]} unchanged",
        f"{counts[DUPLICATE]} duplicate(s) not imported",
        f"{counts['failed']} not imported",
    ]
    text = f"{len(results)} file(s): " + ", ".join(parts) + "."
    if conflicts:
        text += f" {conflicts} conflict(s) with a curator's edits: see below."
    return ("Dry run, nothing saved. " if dry_run else "") + text


def _level(results: list) -> int:
    failed = any(isinstance(result, ImportFailure) for _, result in results)
    return messages.WARNING if failed else messages.SUCCESS


def _for_template(report: dict) -> dict:
    lines = [ReportLine(*line) for line in report.get("lines", [])]
    return {
        **report,
        "lines": lines,
        "conflicts": [line for line in lines if line.label == "conflict"],
        "missing": [line for line in lines if line.missing],
        "more_paragraphs": report.get("paragraph_count", 0) - len(report.get("paragraphs", [])),
    }


def describe_outcome(outcome: ImportOutcome) -> str:
    """Return the curator's message for one import outcome, linking the essay it touched."""
    url = edit_url(outcome)
    if not url:
        return format_html("{} “{}”.", headline(outcome), outcome.essay.title)
    return format_html('{}: <a href="{}">“{}”</a>.', headline(outcome), url, outcome.essay.title)
