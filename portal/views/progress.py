"""Staff pages on progress: the map, snapshots and their comparison."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from rules.contrib.views import permission_required

from municipalities.services.snapshots import snapshot_take
from portal.forms_progress import CompareForm, MapFilterForm, SnapshotForm
from portal.map import COLOUR_BY_GROUP, status_map_for_user
from portal.progress import comparison_for_user, snapshots_for_user
from selection.selectors.groups import latest_programme


def _programme(form):
    """The programme a GET filter form asks for, else the latest one."""
    if form.is_bound and form.is_valid() and form.cleaned_data.get("programme"):
        return form.cleaned_data["programme"]
    return latest_programme()


@permission_required("municipalities.view_status_overview", raise_exception=True)
def status_map(request):
    form = MapFilterForm(request.GET or None)
    programme = _programme(form)
    colour_by = (form.is_bound and form.is_valid() and form.cleaned_data["colour_by"]) or (
        COLOUR_BY_GROUP
    )
    status_map = status_map_for_user(user=request.user, programme=programme, colour_by=colour_by)
    return render(
        request,
        "portal/map.html",
        {"form": form, "programme": programme, "map": status_map},
    )


@permission_required("municipalities.take_snapshot", raise_exception=True)
def snapshots(request):
    form = SnapshotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        snapshot = snapshot_take(label=form.cleaned_data["label"], actor=request.user)
        count = snapshot.entries.count()
        messages.success(
            request,
            ngettext(
                "Snapshot “%(label)s” taken: %(count)d municipality.",
                "Snapshot “%(label)s” taken: %(count)d municipalities.",
                count,
            )
            % {"label": snapshot.label, "count": count},
        )
        return redirect("portal:snapshots")
    taken = list(snapshots_for_user(user=request.user, with_counts=True))
    # Each snapshot next to the one taken before it, for a link comparing the two.
    rows = list(zip(taken, [*taken[1:], None], strict=False))
    return render(request, "portal/snapshots.html", {"form": form, "rows": rows})


@permission_required("municipalities.view_status_overview", raise_exception=True)
def compare(request):
    snapshots = snapshots_for_user(user=request.user)
    form = CompareForm(request.GET or None, snapshots=snapshots)
    comparison = None
    if form.is_bound and form.is_valid():
        comparison = comparison_for_user(
            user=request.user,
            a=form.cleaned_data["a"],
            b=form.cleaned_data["b"],
            programme=_programme(form),
        )
    return render(request, "portal/compare.html", {"form": form, "comparison": comparison})
