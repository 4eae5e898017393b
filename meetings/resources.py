"""Meetings from a CSV or XLSX file in the admin, and back out.

The reading, the preview and the all-or-nothing confirmation are the project's
(core/resources.py, core.admin.CheckedImportMixin); the rows belong to the programme chosen
beside the file. Each row becomes a draft through `meetings.services.meeting_create`: nobody
is invited until staff publish it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from core.forms import LONG_TEXT_MAX_LENGTH
from core.resources import (
    ImportFileProblems,
    ServiceRowResource,
    choice_lookup,
    normalise,
    parse_local_datetime,
    quoted,
)

from . import services
from .enums import ContactScope, MeetingAudience, MeetingKind, MeetingStatus
from .models import Meeting

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


class LocalTime(Field):
    """A time as the spreadsheet shows it: local (Europe/Brussels), to the minute."""

    def get_value(self, obj):
        value = super().get_value(obj)
        return timezone.localtime(value).strftime(LOCAL_FORMAT) if value else ""

    def export(self, obj, **kwargs):
        return self.get_value(obj)


class MeetingResource(ServiceRowResource):
    """One draft meeting per row."""

    COLUMNS = {
        "title": {"titel"},
        "kind": {"soort", "type"},
        "starts_at": {"start", "begin", "begint", "starts", "van"},
        "ends_at": {"end", "einde", "eindigt", "ends", "tot"},
        "location": {"locatie", "plaats"},
        "online_link": {"link", "online", "url"},
        "description": {"beschrijving", "omschrijving"},
        "audience": {"doelgroep", "publiek"},
        "contact_scope": {"contacten"},
    }
    REQUIRED = ("title", "kind", "starts_at", "ends_at")
    MAX_ROWS = 500

    starts_at = LocalTime(attribute="starts_at", column_name="starts_at")
    ends_at = LocalTime(attribute="ends_at", column_name="ends_at")

    class Meta(ServiceRowResource.Meta):
        model = Meeting
        fields = (
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "location",
            "online_link",
            "description",
            "audience",
            "contact_scope",
        )
        import_order = export_order = fields
        name = gettext_lazy("Meetings")

    def get_diff_headers(self):
        return [_("title"), _("kind"), _("starts at"), _("ends at"), _("audience"), _("status")]

    def before_import(self, dataset, **kwargs):
        if self.programme is None:
            raise ImportFileProblems([_("Choose the programme the rows belong to.")])
        super().before_import(dataset, **kwargs)

    def prepare(self) -> None:
        self._choices = {
            "kind": choice_lookup(MeetingKind),
            "audience": choice_lookup(MeetingAudience),
            "contact_scope": choice_lookup(ContactScope),
        }
        self._existing = set(
            Meeting.objects.filter(programme=self.programme).values_list("title", "starts_at")
        )
        self._seen: dict[tuple, int] = {}

    def parse_row(self, values, number):
        errors: dict[str, list] = {}
        arguments: dict = {"programme": self.programme}
        for column in ("kind", "audience", "contact_scope"):
            text = values.get(column, "").strip()
            if not text:
                continue
            value = self._choices[column].get(normalise(text))
            if value is None:
                labels = self._choices[column].values()
                errors[column] = [
                    _("“%(value)s” is not one of %(choices)s.")
                    % {"value": quoted(text), "choices": ", ".join(sorted(set(labels)))}
                ]
            else:
                arguments[column] = value
        if "kind" not in arguments and "kind" not in errors:
            errors["kind"] = [_("the kind is empty.")]
        for column in ("starts_at", "ends_at"):
            text = values.get(column, "").strip()
            moment = parse_local_datetime(text) if text else None
            if moment is None:
                errors[column] = [
                    _("“%(value)s” is not a date and time such as 2026-05-16 14:00.")
                    % {"value": quoted(text)}
                ]
            else:
                arguments[column] = moment
        for column in ("title", "location", "online_link", "description"):
            if column in values:
                arguments[column] = values[column].strip()
        if len(arguments.get("description", "")) > LONG_TEXT_MAX_LENGTH:
            errors["description"] = [
                _("at most %(count)d characters.") % {"count": LONG_TEXT_MAX_LENGTH}
            ]
        if errors:
            return arguments, errors
        # The model's own checks (lengths, the link, the choices) before the service runs.
        try:
            Meeting(status=MeetingStatus.DRAFT, **arguments).clean_fields(
                exclude=["organiser", "uid", "sequence", "published_at", "minutes", "outcome"]
            )
        except ValidationError as error:
            errors.update(error.message_dict)
        key = (arguments["title"], arguments["starts_at"])
        if key in self._existing:
            errors["__all__"] = [
                _("The programme already has a meeting “%(title)s” at this time.")
                % {"title": quoted(arguments["title"])}
            ]
        elif self._seen.setdefault(key, number) != number:
            errors["__all__"] = [
                _("The same meeting is already in row %(row)d.") % {"row": self._seen[key]}
            ]
        return arguments, errors

    def write_row(self, arguments, *, actor):
        return services.meeting_create(actor=actor, **arguments), True

    def row_diff(self, meeting):
        return [
            meeting.title,
            meeting.get_kind_display(),
            timezone.localtime(meeting.starts_at).strftime(LOCAL_FORMAT),
            timezone.localtime(meeting.ends_at).strftime(LOCAL_FORMAT),
            meeting.get_audience_display(),
            meeting.get_status_display(),
        ]
