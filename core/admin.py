"""What every app's admin shares: read-only bases for rows the application writes, the
length bounds of admin forms, and imports and exports the project's way (see
core/resources.py)."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ExportMixin, ImportMixin

from core.forms import limit_length
from core.spreadsheet_reader import ImportErrors

from .models import Heartbeat
from .resources import (
    IMPORT_FORMATS,
    CheckedConfirmImportForm,
    CheckedImportForm,
    CheckedImportStorage,
)


def limit_lengths(form, **limits) -> None:
    """The long texts of an admin form get the bounds of the staff's forms."""
    for name, max_length in limits.items():
        if name in form.fields:
            limit_length(form.fields[name], max_length)


class ReadOnlyAdminMixin:
    """Rows that the application writes (through its services): the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class CheckedExportMixin(ExportMixin):
    """Export as CSV or XLSX the project's way (core.spreadsheets); needs the view permission,
    and exports what the changelist shows (its search and filters)."""

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_formats(self):
        return IMPORT_FORMATS

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"request": request}


class CheckedImportMixin(ImportMixin):
    """Import, preview first, then confirm; all or nothing.

    The file is read by the project's checked reader; a file it refuses is an error on the
    upload field. Import needs the add permission (and the resource's service checks its own).
    """

    import_form_class = CheckedImportForm
    confirm_form_class = CheckedConfirmImportForm
    tmp_storage_class = CheckedImportStorage
    import_template_name = "admin/core/checked_import.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def get_import_formats(self):
        return IMPORT_FORMATS

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"request": request}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        stored = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if stored and not context.get("confirm_form"):
            # Not confirmable (it has problems): nothing will ask for the stored file again.
            self.tmp_storage_class(name=stored).remove()
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportErrors):
            for _row, message in e.errors:
                form.add_error("import_file", message)
        else:
            form.add_error(
                "import_file",
                _("The file cannot be read. Save it as CSV (UTF-8) or as an Excel workbook."),
            )

    def process_dataset(self, dataset, form, request, **kwargs):
        # A row that became invalid since the preview must undo the whole import, not just
        # skip that row.
        kwargs["rollback_on_validation_errors"] = True
        return super().process_dataset(dataset, form, request, **kwargs)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request,
                _(
                    "Nothing was imported: the file has problems now that it did not have "
                    "at the preview. Upload it again to see them."
                ),
                level=messages.ERROR,
            )
            app_label, model_name = self.get_model_info()
            return HttpResponseRedirect(reverse(f"admin:{app_label}_{model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        self.message_user(request, self.import_done_message(len(result.valid_rows())))

    def import_done_message(self, count: int) -> str:
        return ngettext("%(count)d row imported.", "%(count)d rows imported.", count) % {
            "count": count
        }


class CheckedImportExportMixin(CheckedImportMixin, CheckedExportMixin):
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"


class ProgrammeImportExportMixin(CheckedImportExportMixin):
    """An import into one programme, which staff choose beside the file."""

    def get_import_form_class(self, request):
        from .resources import ProgrammeImportForm

        return ProgrammeImportForm

    def get_confirm_form_class(self, request):
        from .resources import ProgrammeConfirmImportForm

        return ProgrammeConfirmImportForm

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["programme"] = import_form.cleaned_data["programme"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        programme = getattr(form, "cleaned_data", {}).get("programme")
        return {"request": request, "programme": programme}


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    """Written by the beat job (core.services.heartbeat_record)."""

    list_display = ["name", "beat_at", "count"]
    search_fields = ["name"]
    readonly_fields = ["name", "beat_at", "count"]
