"""Reads of municipality data, always for a given user."""

from dataclasses import dataclass

import rules
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from .enums import MilestoneKind, Track
from .models import (
    AssessmentOption,
    AssessmentQuestion,
    Municipality,
    MunicipalityContact,
    MunicipalityStatus,
    SDGGoal,
    SDGTarget,
    StatusDocument,
    StatusVersion,
)
from .presentation import Lookups
from .status import GOAL_NUMBERS, Catalogue, Path, _target_sort, empty_document, part


def municipalities_for_user(*, user) -> QuerySet[Municipality]:
    """The municipalities whose pages the user may see: all for staff, their own for a contact.

    Everyone else sees none. This is the only way views read municipality pages.
    """
    qs = Municipality.objects.select_related("province", "arrondissement")
    if user.is_staff:
        return qs
    contact = getattr(user, "municipality_contact", None)
    if contact is None:
        return qs.none()
    return qs.filter(pk=contact.municipality_id)


def municipality_for_user(*, user, nis_code: str) -> Municipality:
    """One municipality the user may see; 404 for any other, so ids leak nothing."""
    try:
        return municipalities_for_user(user=user).get(pk=nis_code)
    except Municipality.DoesNotExist:
        raise Http404 from None


# --- The SDG status ---------------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    """A municipality the user may see, with its current status (None before the first save)."""

    municipality: Municipality
    version: StatusVersion | None

    @property
    def document(self) -> dict:
        return self.version.document if self.version else empty_document()

    @property
    def number(self) -> int:
        return self.version.number if self.version else 0

    def part(self, path: Path):
        return part(self.document, path)


def status_for_user(*, user, nis_code: str) -> StatusView:
    """The municipality with its current status, in one query; 404 for any municipality the
    user may not see (municipalities_for_user)."""
    try:
        municipality = (
            municipalities_for_user(user=user)
            .select_related("status__current__author")
            .get(pk=nis_code)
        )
    except Municipality.DoesNotExist:
        raise Http404 from None
    try:
        version = municipality.status.current
    except MunicipalityStatus.DoesNotExist:
        version = None
    return StatusView(municipality=municipality, version=version)


def _check_may_see(user, municipality: Municipality) -> None:
    """Only those who may open the municipality's pages read its status: 404 for others."""
    if not rules.has_perm("municipalities.view_municipality_page", user, municipality):
        raise Http404


def status_history(*, user, municipality: Municipality) -> list[StatusVersion]:
    """Every version of the municipality's status, newest first, with its author."""
    _check_may_see(user, municipality)
    return list(
        StatusVersion.objects.filter(municipality=municipality)
        .select_related("author")
        .order_by("-number")
    )


def status_version(*, user, municipality: Municipality, number: int) -> StatusVersion | None:
    """One version of the municipality's status, None when it has no such version."""
    _check_may_see(user, municipality)
    return StatusVersion.objects.filter(municipality=municipality, number=number).first()


def status_documents(*, user, municipality: Municipality) -> dict[int, StatusDocument]:
    """The files uploaded for the municipality's milestones, by id."""
    _check_may_see(user, municipality)
    return {d.pk: d for d in StatusDocument.objects.filter(municipality=municipality)}


def status_document_for_user(*, user, nis_code: str, pk: int) -> StatusDocument:
    """One of the municipality's own files; 404 for another municipality's, so a document id
    tells nothing about what exists."""
    municipality = municipality_for_user(user=user, nis_code=nis_code)
    document = StatusDocument.objects.filter(municipality=municipality, pk=pk).first()
    if document is None:
        raise Http404
    return document


def status_lookups(*, user, municipality: Municipality) -> Lookups:
    """The texts the status refers to by id (every question and answer, also retired ones,
    and the municipality's documents), for presentation."""
    _check_may_see(user, municipality)
    options = AssessmentOption.objects.select_related("question")
    return Lookups(
        questions={o.question_id: o.question for o in options},
        options={o.pk: o for o in options},
        documents=status_documents(user=user, municipality=municipality),
    )


def assessment_questions(*, track: str) -> list[AssessmentQuestion]:
    """The active questions of a track with their answer options, in order."""
    return list(
        AssessmentQuestion.objects.filter(track=track, active=True).prefetch_related(
            Prefetch("options", queryset=AssessmentOption.objects.order_by("order", "pk"))
        )
    )


def sdg_goals() -> list[SDGGoal]:
    """The 17 goals, each with its number of targets (`n_targets`)."""
    return list(SDGGoal.objects.annotate(n_targets=Count("targets")).order_by("number"))


def sdg_goal(*, number: int) -> tuple[SDGGoal, list[SDGTarget]]:
    """One goal and its targets in the order of their codes; 404 outside 1-17."""
    goal = SDGGoal.objects.filter(number=number).first()
    if goal is None:
        raise Http404
    targets = sorted(goal.targets.all(), key=lambda t: _target_sort(t.code))
    return goal, targets


@dataclass(frozen=True)
class Todo:
    """What is still to fill in."""

    questions: dict[str, int]  # track -> active questions without an answer
    goals: list[int]  # SDG numbers of the circle exercise not yet filled in
    milestones: list[str]  # labels of milestones not yet answered

    @property
    def empty(self) -> bool:
        return not (any(self.questions.values()) or self.goals or self.milestones)


def status_todo(view: StatusView) -> Todo:
    """What the municipality has not filled in yet, against the questions asked today."""
    catalogue = Catalogue.load()
    document = view.document
    questions = {}
    for track in Track.values:
        answers = part(document, ("assessment", track)) or {}
        questions[track] = sum(
            1
            for question_id, options in catalogue.track_questions(track).items()
            if answers.get(str(question_id)) not in options
        )
    return Todo(
        questions=questions,
        goals=[int(n) for n in GOAL_NUMBERS if part(document, ("goals", n)) is None],
        milestones=[
            label
            for kind, label in MilestoneKind.choices
            if part(document, ("milestones", kind)) is None
        ],
    )


def municipality_contacts(*, user, municipality: Municipality) -> list[MunicipalityContact]:
    """The municipality's contact persons, for those who may open its pages."""
    _check_may_see(user, municipality)
    return list(
        municipality.contacts.select_related("user").order_by("user__last_name", "user__email")
    )
