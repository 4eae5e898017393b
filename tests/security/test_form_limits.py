"""Bounds on every number and text a form accepts: out of range is a form error, not a 500."""

from datetime import date

import pytest
from django.urls import reverse

from partners.forms import ContactForm
from portal.forms_contacts import ContactFilterForm, InviteContactForm
from selection.enums import ConflictType, ProgrammePhase, Vote
from selection.forms.board_staff import BoardMemberActiveForm, BoardMemberAddForm
from selection.forms.criteria import QuotasForm, QuotasVersionForm
from selection.forms.intake import CandidacyAdminForm, CandidacyApplicationForm
from selection.forms.proposal import AmendmentForm, DecisionForm, RunForm, WithdrawForm
from selection.forms.scoring import ConflictDeclarationForm, ReviewForm
from selection.models import Candidacy, ConflictDeclaration, Decision, Review, SelectionRun
from selection.services.decision import decision_record
from selection.services.proposal import selection_run
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    CriterionFactory,
    UserFactory,
    scored_programme,
)

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999999"


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.org", is_staff=True, password=None)


@pytest.fixture
def scored(reference_data):
    return scored_programme(per_province=4, size=8, members=2)


@pytest.fixture
def run(scored, staff):
    return selection_run(programme=scored, actor=staff)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _members(programme):
    return list(programme.board_members.select_related("user", "organisation").order_by("pk"))


def _decision_data(run, **extra):
    data = {
        "meeting_date": "2017-05-02",
        "meeting_location": "Brussel",
        "quorum": "2",
        "rule": "unanimity",
        "minutes": "",
        "amendments-TOTAL_FORMS": "1",
        "amendments-INITIAL_FORMS": "0",
        "amendments-MIN_NUM_FORMS": "0",
        "amendments-MAX_NUM_FORMS": "1000",
        "amendments-0-candidacy": "",
        "amendments-0-action": "",
        "amendments-0-reason": "",
    }
    for member in _members(run.programme):
        data[f"present_{member.pk}"] = "on"
        data[f"vote_{member.pk}"] = Vote.FOR
    data.update(extra)
    return data


@pytest.mark.parametrize("field", ["include", "exclude"])
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "9223372036854775808", "abc", "1e5"])
def test_run_form_with_out_of_range_choice_is_a_form_error(staff_client, scored, field, value):
    response = staff_client.post(
        reverse("selection:proposal", args=[scored.pk]), {"method": "mean", field: [value]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not SelectionRun.objects.exists()


@pytest.mark.parametrize("quorum", [HUGE, "40000", "1001", "0", "-1"])
def test_decision_form_with_out_of_range_quorum_is_refused(staff_client, run, quorum):
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]), _decision_data(run, quorum=quorum)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["quorum"]
    assert not Decision.objects.exists()


def test_decision_form_quorum_is_bounded_even_for_a_large_board():
    form = DecisionForm(members=[])
    assert form.fields["quorum"].max_value <= 1000
    big = DecisionForm(data={"quorum": "40000"}, members=[])
    assert "quorum" in big.errors


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "9223372036854775808"])
def test_amendment_with_out_of_range_candidacy_is_a_form_error(staff_client, run, value):
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]),
        _decision_data(
            run,
            **{
                "amendments-0-candidacy": value,
                "amendments-0-action": "add",
                "amendments-0-reason": "x",
            },
        ),
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["candidacy"]
    assert not Decision.objects.exists()


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "0", "abc"])
def test_withdraw_with_out_of_range_candidacy_changes_nothing(staff_client, run, value):
    response = staff_client.post(
        reverse("selection:run_withdraw", args=[run.pk]), {"candidacy": value}
    )
    assert response.status_code == 302
    assert not Candidacy.objects.filter(outcome="withdrawn").exists()


def test_withdraw_form_bounds():
    assert not WithdrawForm({"candidacy": HUGE}).is_valid()
    assert WithdrawForm({"candidacy": "12"}).is_valid()


@pytest.fixture
def dossier(reference_data):
    from municipalities.models import Municipality

    member = BoardMemberFactory(user__password=None)
    programme = member.programme
    programme.phase = ProgrammePhase.SCORING
    programme.save()
    criterion = CriterionFactory(programme=programme)
    candidacy = CandidacyFactory(
        programme=programme, municipality=Municipality.objects.get(pk="23027")
    )
    ConflictDeclaration.objects.create(
        member=member, candidacy=candidacy, conflict_type=ConflictType.NONE
    )
    return member, candidacy, criterion


@pytest.mark.parametrize("version", [HUGE, "-1", "4294967296"])
def test_review_with_out_of_range_version_is_refused(client, dossier, version):
    member, candidacy, criterion = dossier
    client.force_login(member.user)
    response = client.post(
        reverse("selection:board_dossier", args=[candidacy.pk]),
        {"version": version, "action": "draft", f"score_{criterion.pk}": "3"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["version"]
    assert not Review.objects.exists()


# --- Text lengths ----------------------------------------------------------------------------

LIMITS = [
    (CandidacyApplicationForm, {}, "motivation", 20_000),
    (CandidacyApplicationForm, {}, "contact_name", 200),
    (CandidacyApplicationForm, {}, "contact_phone", 50),
    (CandidacyApplicationForm, {}, "twinning_partner", 200),
    (CandidacyAdminForm, {}, "motivation", 20_000),
    (ConflictDeclarationForm, {}, "note", 5_000),
    (ReviewForm, {"criteria": []}, "comment", 5_000),
    (ReviewForm, {"criteria": []}, "action", 20),
    (DecisionForm, {"members": []}, "meeting_location", 200),
    (DecisionForm, {"members": []}, "minutes", 20_000),
    (AmendmentForm, {"candidacies": Candidacy.objects.none()}, "reason", 1_000),
    (ContactForm, {"programme": None}, "topic", 200),
    (ContactForm, {"programme": None}, "outcome", 5_000),
    (BoardMemberAddForm, {}, "email", 254),
    (BoardMemberAddForm, {}, "first_name", 150),
    (BoardMemberAddForm, {}, "last_name", 150),
    (BoardMemberAddForm, {}, "new_organisation", 200),
    (BoardMemberActiveForm, {}, "reason", 200),
    (InviteContactForm, {"municipalities": []}, "email", 254),
    (InviteContactForm, {"municipalities": []}, "first_name", 150),
    (InviteContactForm, {"municipalities": []}, "last_name", 150),
    (ContactFilterForm, {}, "q", 100),
    (QuotasVersionForm, {}, "version", 64),
]


def _quota_overview():
    """The criteria page's content for one province quota, without the database."""
    from selection.models import Criterion
    from selection.selectors.criteria import CriteriaOverview, DiversityCriterion, QuotaRow

    criterion = Criterion(pk=1, name="Provincie", kind="diversity", attribute="province")
    row = QuotaRow(value="Limburg", label="Limburg", minimum=1, maximum=None)
    block = DiversityCriterion(criterion=criterion, rows=[row])
    return CriteriaOverview(judgement=[], diversity=[block], version="v", locked=None)


@pytest.mark.parametrize(("form_class", "kwargs", "field", "limit"), LIMITS)
def test_text_field_has_its_limit(form_class, kwargs, field, limit):
    form_field = form_class(**kwargs).fields[field]
    assert form_field.max_length == limit
    assert form_class(data={field: "x" * (limit + 1)}, **kwargs).errors[field]


def test_every_text_field_of_every_form_has_a_limit(dossier):
    _member, _candidacy, criterion = dossier
    forms = [
        CandidacyApplicationForm(),
        CandidacyAdminForm(),
        ConflictDeclarationForm(),
        ReviewForm(criteria=[criterion]),
        DecisionForm(members=[]),
        AmendmentForm(candidacies=Candidacy.objects.none()),
        RunForm(candidacies=Candidacy.objects.none()),
        BoardMemberAddForm(),
        BoardMemberActiveForm(),
        QuotasVersionForm(),
        QuotasForm(overview=_quota_overview()),
    ]
    from accounts.forms import (
        CrispyPasswordResetForm,
        CrispySetPasswordForm,
        EmailAuthenticationForm,
    )

    forms += [EmailAuthenticationForm(), CrispyPasswordResetForm(), CrispySetPasswordForm(None)]
    from municipalities.models import ContactInvitation, Snapshot
    from municipalities.resources import (
        IMPORT_FORMATS,
        ContactInvitationResource,
        InvitationConfirmImportForm,
        InvitationImportForm,
    )
    from portal.forms import (
        ActionForm,
        AssessmentForm,
        DeleteActionForm,
        GoalForm,
        MilestonesForm,
        RestoreForm,
    )
    from portal.forms_invitations import InvitationAcceptForm
    from portal.forms_overview import StatusFilterForm
    from portal.forms_progress import CompareForm, MapFilterForm, SnapshotForm

    forms += [
        AssessmentForm(track="awareness", questions=[]),
        GoalForm(targets=[]),
        MilestonesForm(documents={}, nis_code="44021"),
        ActionForm(),
        DeleteActionForm(),
        RestoreForm(),
        InvitationAcceptForm(invitation=ContactInvitation(email="a@b.be")),
        InvitationImportForm(IMPORT_FORMATS, [ContactInvitationResource]),
        InvitationConfirmImportForm(),
        StatusFilterForm(),
        MapFilterForm(),
        SnapshotForm(),
        CompareForm(snapshots=Snapshot.objects.none()),
    ]
    from reports.forms import ReportSnapshotsForm

    forms.append(ReportSnapshotsForm(snapshots=Snapshot.objects.none()))
    from municipalities.admin import ContactInvitationAddForm

    forms.append(ContactInvitationAddForm())
    from core.resources import (
        CheckedConfirmImportForm,
        CheckedImportForm,
        ProgrammeConfirmImportForm,
        ProgrammeImportForm,
    )
    from meetings.resources import MeetingResource
    from selection.resources import BoardMemberResource, CandidacyResource

    forms += [
        CheckedImportForm(IMPORT_FORMATS, [MeetingResource]),
        CheckedConfirmImportForm(),
        ProgrammeImportForm(IMPORT_FORMATS, [CandidacyResource]),
        ProgrammeImportForm(IMPORT_FORMATS, [BoardMemberResource]),
        ProgrammeConfirmImportForm(),
    ]
    from portal.views.public import PublicSwitchForm

    forms.append(PublicSwitchForm())
    forms += [ContactFilterForm(), InviteContactForm(municipalities=[])]
    from partners.admin import PartnerAdminForm, PartnerContactAdminForm, SubsidyAdminForm
    from partners.forms import ContactForm, PartnerFilterForm, SubmitReportForm

    forms += [
        PartnerFilterForm(),
        ContactForm(programme=None),
        SubmitReportForm(),
        PartnerAdminForm(),
        PartnerContactAdminForm(),
        SubsidyAdminForm(),
    ]
    from meetings.admin import (
        ExpectationAdminForm,
        ExpectationReviewForm,
        MeetingAdminForm,
        ReminderRuleAdminForm,
    )
    from meetings.forms import (
        AgendaItemForm,
        AgendaVersionForm,
        AttendanceForm,
        CancelForm,
        DocumentForm,
        ExpectationForm,
        MeetingFilterForm,
        MeetingForm,
        MeetingLinkForm,
        ReportForm,
    )
    from meetings.forms import ReviewForm as MeetingReviewForm
    from meetings.forms_people import CalendarFeedForm, InvitationAnswerForm, ReminderOptOutForm
    from meetings.models import Expectation
    from meetings.views_reminders import DispatchSwitchForm, PreviewForm
    from municipalities.models import Municipality

    forms += [
        MeetingForm(),
        AgendaItemForm(),
        MeetingLinkForm(),
        AgendaVersionForm(),
        MeetingFilterForm(),
        CancelForm(),
        ReportForm(),
        DocumentForm(),
        AttendanceForm(invitations=[]),
        ExpectationForm(municipalities=Municipality.objects.none()),
        MeetingReviewForm(rows=[(Expectation(pk=1), None)]),
        MeetingAdminForm(),
        ReminderRuleAdminForm(),
        ExpectationAdminForm(),
        ExpectationReviewForm(),
        InvitationAnswerForm(),
        CalendarFeedForm(),
        ReminderOptOutForm(),
        DispatchSwitchForm(),
        PreviewForm(),
    ]
    from django import forms as django_forms

    for form in forms:
        for name, field in form.fields.items():
            if type(field) in {django_forms.CharField, django_forms.EmailField}:
                assert field.max_length, (type(form).__name__, name)
            if isinstance(field, django_forms.IntegerField):
                assert field.max_value is not None, (type(form).__name__, name)


def test_review_comment_per_criterion_is_limited(client, dossier):
    member, candidacy, criterion = dossier
    client.force_login(member.user)
    response = client.post(
        reverse("selection:board_dossier", args=[candidacy.pk]),
        {"version": "0", "action": "draft", f"comment_{criterion.pk}": "x" * 5_001},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"comment_{criterion.pk}"]
    assert not Review.objects.exists()


def test_decision_minutes_of_twenty_thousand_characters_are_kept(staff_client, run):
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]),
        _decision_data(run, minutes="x" * 20_000),
    )
    assert response.status_code == 302
    assert len(Decision.objects.get().minutes) == 20_000


def test_decision_record_still_takes_a_quorum_within_the_board(run, staff):
    decision = decision_record(
        run=run,
        actor=staff,
        meeting_date=date(2017, 5, 2),
        meeting_location="Brussel",
        quorum=2,
        minutes="",
        votes={m.pk: (True, Vote.FOR) for m in _members(run.programme)},
    )
    assert decision.quorum == 2


@pytest.mark.parametrize("total", ["2000", HUGE, "2147483648"])
def test_decision_form_builds_a_bounded_number_of_amendment_rows(staff_client, run, total):
    response = staff_client.post(
        reverse("selection:decision_create", args=[run.pk]),
        _decision_data(run, **{"amendments-TOTAL_FORMS": total}),
    )
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) <= 50
    assert formset.non_form_errors()
    assert str(formset.non_form_errors()[0]) in response.content.decode()
    assert not Decision.objects.exists()
