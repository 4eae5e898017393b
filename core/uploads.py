"""Uploaded files, checked by their content: the one check every upload of the project uses.

A file's name is only a claim: the type is read from the first bytes (and, for the Office
formats, from the names inside the zip), and the name must agree with it. Callers store the
file under a name of their own built from the checked extension, so nothing the user typed
reaches the file system, and offer it for download with ``CONTENT_TYPES[extension]``.
"""

from __future__ import annotations

import os
import unicodedata
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_SIZE = 10 * 1024 * 1024
NAME_LENGTH = 200

# The checked extension and the Content-Type its download is sent with.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# What a file's name may end with, per checked type.
NAME_EXTENSIONS = {
    "pdf": {"pdf"},
    "png": {"png"},
    "jpg": {"jpg", "jpeg"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "pptx": {"pptx"},
    "odt": {"odt"},
    "ods": {"ods"},
}
# For a file input's accept attribute.
ACCEPT = ",".join(f".{ext}" for exts in NAME_EXTENSIONS.values() for ext in sorted(exts))

# The part that says which Office Open XML document a zip is.
_OOXML_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_MAX_ZIP_ENTRIES = 10_000


def _zip_type(upload) -> str | None:
    """docx/xlsx/pptx/odt/ods when the zip's content says so; nothing is extracted but the
    few bytes of an ODF ``mimetype`` entry."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names:
                for name, kind in _OOXML_PARTS.items():
                    if name in names:
                        return kind
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                with archive.open("mimetype") as entry:
                    return _ODF_MIMETYPES.get(entry.read(100).strip())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError):
        return None
    return None


def document_type(upload, *, max_size: int = MAX_SIZE) -> str:
    """The checked extension of an uploaded file, or ValidationError saying why it is refused.

    The content decides (magic bytes); a name that claims another type is refused too, so a
    renamed file never reaches a reader under a misleading name.
    """
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_size:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": max_size // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_type(upload)
        upload.seek(0)
    else:
        kind = None
    if kind is None:
        raise ValidationError(
            _(
                "This file type is not accepted. Upload a PDF, PNG or JPEG file, or a Word, "
                "Excel, PowerPoint or OpenDocument file."
            ),
            code="type",
        )
    claimed = os.path.splitext(upload.name or "")[1].lstrip(".").lower()
    if claimed not in NAME_EXTENSIONS[kind]:
        raise ValidationError(
            _("The file's content does not match its name: it is not a .%(ext)s file.")
            % {"ext": claimed or "?"},
            code="mismatch",
        )
    return kind


def display_name(name: str, extension: str) -> str:
    """The name shown and offered on download: the user's base name without control or
    path characters, shortened, always ending in the checked extension."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    stem = os.path.splitext(base)[0]
    stem = "".join(
        c for c in stem if unicodedata.category(c)[0] != "C" and c not in '/\\:*?"<>|'
    ).strip(" .")
    stem = stem[: NAME_LENGTH - len(extension) - 1] or "document"
    return f"{stem}.{extension}"
