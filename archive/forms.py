"""Forms for curators in the admin: the essay, its ordered author inline, the file upload."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from archive.importing.save import ImportOptions
from archive.importing.uploads import (
    MAX_BATCH_ESSAYS,
    MAX_ESSAY_BYTES,
    MAX_SIDECAR_BYTES,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_BYTES,
    UploadRefused,
    unpack_upload,
)
from archive.models import Authorship, Essay
from archive.sanitize import Removal, removed_text

# A blank position in the author inline means "after the others"; save renumbers 0..n-1.
POSITION_AT_END = 32767
MAX_UPLOAD_BYTES = MAX_ESSAY_BYTES
ESSAY_FILE_TYPES = ".txt,.docx,.html,.htm,.json,.zip,text/plain,text/html,application/zip"


def _check_size(upload: UploadedFile, limit: int) -> None:
    # Checked before reading, so an oversized file is refused without loading it into memory.
    if upload.size > limit:
        raise forms.ValidationError(
            "“%(name)s” is %(size)s; files of up to %(limit)s can be uploaded.",
            code="too_large",
            params={
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            },
        )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): cleans to a list."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        items = list(data) if isinstance(data, list | tuple) else [data]
        if len(items) <= 1:
            return [super().clean(items[0] if items else None, initial)]
        cleaned = []
        for item in items:
            try:
                cleaned.append(super().clean(item, initial))
            except forms.ValidationError as error:
                if error.code != "empty":
                    raise
                cleaned.append(item)  # in a batch, the file's own report says it is empty
        return cleaned


class EssayUploadForm(forms.Form):
    """Essay files (text, Word, saved web pages; several, or a .zip of them with sidecars), or
    one file with a sidecar, imported as drafts unless the curator says otherwise."""

    text_file = MultipleFileField(
        label="Essay files",
        help_text=(
            "Plain text (.txt, in UTF-8, Windows-1251/1252, KOI8-R, UTF-16 …), Word documents "
            "(.docx) or saved web pages (.html, .htm), up to "
            f"{filesizeformat(MAX_ESSAY_BYTES)} each, with NAME.json sidecars beside them; or one "
            f".zip of such files (up to {filesizeformat(MAX_ZIP_BYTES)}, "
            f"{filesizeformat(MAX_UNPACKED_BYTES)} unpacked). Up to {MAX_BATCH_ESSAYS} essays "
            "at a time."
        ),
        widget=MultipleFileInput(attrs={"accept": ESSAY_FILE_TYPES}),
    )
    sidecar = forms.FileField(
        required=False,
        label="Sidecar (optional)",
        help_text=(
            "For a single essay file: JSON (or YAML) metadata: title, authors, source, date and "
            "its precision, original publication, topics, language."
        ),
    )
    essay = forms.ModelChoiceField(
        queryset=Essay.objects.all(),
        required=False,
        label="Update this essay",
        help_text=(
            "Empty: the file becomes a new essay. Chosen: the file is merged into this essay, "
            "keeping what curators changed since its last import."
        ),
        widget=AutocompleteSelect(Authorship._meta.get_field("essay"), admin.site),
    )
    publish_now = forms.BooleanField(
        required=False,
        label="Publish now",
        help_text="Unticked, a new essay is a draft, for review, whatever its sidecar says.",
    )
    prefer_file = forms.BooleanField(
        required=False,
        label="Where the file and a curator both changed a field, take the file's value",
        help_text="Unticked, the archive's value stays and the conflict is listed.",
    )
    allow_duplicate = forms.BooleanField(
        required=False,
        label="Import duplicates",
        help_text="Unticked, a text the archive already holds is listed and not imported again.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run: report what would change and save nothing"
    )

    def clean_text_file(self) -> list[UploadedFile]:
        uploads = self.cleaned_data["text_file"]
        for upload in uploads:
            zipped = upload.name.lower().endswith(".zip")
            _check_size(upload, MAX_ZIP_BYTES if zipped else MAX_ESSAY_BYTES)
        return uploads

    def clean_sidecar(self) -> str | None:
        """Return the sidecar's text, or None when no sidecar was given."""
        upload = self.cleaned_data.get("sidecar")
        if not upload:
            return None
        _check_size(upload, MAX_SIDECAR_BYTES)
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                "The sidecar “%(name)s” is not UTF-8 text.",
                code="not_utf8",
                params={"name": upload.name},
            ) from error

    def clean(self) -> dict:
        cleaned = super().clean()
        uploads = cleaned.get("text_file")
        if not uploads or "sidecar" in self.errors:
            return cleaned
        try:
            unpacked = unpack_upload(
                ((upload.name, upload) for upload in uploads), cleaned.get("sidecar")
            )
        except UploadRefused as refused:
            self.add_error("text_file", str(refused))
            return cleaned
        if cleaned.get("essay") and len(unpacked.essays) != 1:
            self.add_error("essay", "Choose an essay to update only with a single essay file.")
        cleaned["unpacked"] = unpacked
        return cleaned

    def import_options(self) -> ImportOptions:
        """Return the import the curator asked for."""
        essay = self.cleaned_data.get("essay")
        return ImportOptions(
            dry_run=self.cleaned_data["dry_run"],
            prefer_file=self.cleaned_data["prefer_file"],
            allow_duplicate=self.cleaned_data["allow_duplicate"],
            publish=self.cleaned_data["publish_now"],
            upload=True,
            essay_id=essay.pk if essay else None,
        )


class AuthorshipInlineForm(forms.ModelForm):
    """An author's row in an essay's byline; a blank position puts the author last."""

    position = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=POSITION_AT_END,
        help_text="Order in the byline; blank puts this author last.",
    )

    class Meta:
        model = Authorship
        fields = ["author", "position"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # New rows start blank (not the model's 0), so an untouched row lands at the end.
            self.initial["position"] = None

    def clean_position(self) -> int:
        position = self.cleaned_data.get("position")
        return POSITION_AT_END if position is None else position


class EssayAdminForm(forms.ModelForm):
    """The essay form: a title that fits, a slug that follows it, and no text lost unannounced."""

    allow_text_removal = forms.BooleanField(
        required=False,
        label="Save anyway, without the text listed under Body",
        help_text="The archive keeps no scripts, styles, comments or form fields in an essay.",
    )

    class Meta:
        model = Essay
        # The admin adds the rest from its fieldsets (with its URL field overrides).
        fields = ["title", "slug", "slug_is_manual", "body"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2, "class": "essay-title-input"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = (
            "The readable part of the URL. Empty: made from the title, and it follows the title "
            "when that changes. Typed by hand: kept. Old URLs keep redirecting here."
        )
        # Offered only when a save would lose text (see clean()).
        self.fields["allow_text_removal"].widget = forms.HiddenInput()
        self.removals: list[Removal] = []

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())  # one line, however it was pasted

    def clean(self) -> dict:
        cleaned = super().clean()
        self._decide_slug(cleaned)
        self.removals = removed_text(cleaned.get("body") or "")
        lost = [removal for removal in self.removals if removal.loses_text]
        if lost and not cleaned.get("allow_text_removal"):
            self.fields["allow_text_removal"].widget = forms.CheckboxInput()
            self.add_error("body", _lost_text_error(lost))
        return cleaned

    def _decide_slug(self, cleaned: dict) -> None:
        """A slug typed by hand is kept; an emptied one follows the title again."""
        if "slug" in self.changed_data:
            cleaned["slug_is_manual"] = bool(cleaned.get("slug"))
        elif "slug_is_manual" in self.changed_data and not cleaned.get("slug_is_manual"):
            cleaned["slug"] = ""  # "keep this slug" unticked: follow the title from now on


def _lost_text_error(lost: list[Removal]) -> forms.ValidationError:
    return forms.ValidationError(
        [
            forms.ValidationError(
                "Saving would remove text you entered: %(removal)s. Close or remove the tag to "
                "keep the text, or tick “Save anyway” below to save without it.",
                code="text_lost",
                params={"removal": str(removal)},
            )
            for removal in lost
        ]
    )
