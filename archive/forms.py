"""Forms for curators in the admin: the essay file upload and the ordered author inline."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from archive.models import Authorship

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
