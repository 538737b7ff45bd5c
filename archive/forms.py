"""Forms for curators in the admin: the essay, its ordered author inline, the file upload."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from archive.models import Authorship, Essay
from archive.sanitize import Removal, removed_text

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDECAR_BYTES = 256 * 1024
# A blank position in the author inline means "after the others"; save renumbers 0..n-1.
POSITION_AT_END = 32767


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


class EssayUploadForm(forms.Form):
    """One essay file (text, Word or a saved web page), with an optional sidecar giving what
    the file lacks."""

    text_file = forms.FileField(
        label="Essay file",
        help_text=(
            "Plain text (.txt, in UTF-8, Windows-1251/1252, KOI8-R, UTF-16 …), a Word document "
            f"(.docx) or a saved web page (.html, .htm), up to {filesizeformat(MAX_UPLOAD_BYTES)}. "
            "Uploading the same file again updates the essay it made."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,.html,.htm,text/plain"}),
    )
    sidecar = forms.FileField(
        required=False,
        label="Sidecar (optional)",
        help_text=(
            "JSON (or YAML) metadata: title, authors, source, date and its precision, "
            "original publication, topics, language."
        ),
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run: report what would change and save nothing"
    )

    def clean_text_file(self) -> UploadedFile:
        upload = self.cleaned_data["text_file"]
        _check_size(upload, MAX_UPLOAD_BYTES)
        return upload

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
