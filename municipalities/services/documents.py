"""Files a contact attaches to a milestone: checked by their content, stored under a safe name.

A file's name is only a claim: the type is read from the first bytes (and, for the Office
formats, from the names inside the zip), and the name must agree with it: core.uploads
holds that check. The file is stored as ``status/<nis code>/<random>.<checked extension>``
(models.milestone_upload_to), so nothing the user typed reaches the file system.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction

# The content check is shared with the meetings' documents (core.uploads); the names stay
# importable from here for the portal's forms and views.
from core.uploads import (
    ACCEPT,
    CONTENT_TYPES,
    MAX_SIZE,
    NAME_EXTENSIONS,
    NAME_LENGTH,
    display_name,
    document_type,
)

from ..models import Municipality, StatusDocument

__all__ = [
    "ACCEPT",
    "CONTENT_TYPES",
    "MAX_SIZE",
    "NAME_EXTENSIONS",
    "NAME_LENGTH",
    "display_name",
    "document_type",
    "status_document_upload",
]


@transaction.atomic
def status_document_upload(*, municipality: Municipality, actor, upload) -> StatusDocument:
    """Store a file for one of the municipality's milestones; the same people who may update
    its status may upload. The type is checked by content (document_type)."""
    if not rules.has_perm("municipalities.update_sdg_status", actor, municipality):
        raise PermissionDenied
    extension = document_type(upload)
    document = StatusDocument(
        municipality=municipality,
        name=display_name(upload.name, extension),
        extension=extension,
        size=upload.size,
        uploaded_by=actor,
    )
    # milestone_upload_to builds the stored name from the municipality and the extension.
    document.file.save("upload", upload, save=False)
    document.save()
    return document
