"""Every endpoint that takes a POST, fuzzed as the role that may use it: never a 500.

Random and huge strings, NUL and other control characters, wrong types, repeated and
missing fields, out-of-range numbers, and valid values mixed in so that the fuzzer also
reaches the paths behind a valid form. The Django test client re-raises an exception of
the view, so a 500 fails the test with its traceback.

The default profile is derandomised (the same examples on every run) and small, so the
file runs in about a minute. ``SDGPILOT_FUZZ=deep`` runs many more random examples.
"""

import os
import string
from datetime import date

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.crafted_import import (
    built,
    declared_dimension,
    huge_cell,
    long_csv_cell,
    random_bytes,
    wide_row,
    zip_bomb,
)
from meetings.links import answer_url, one_click_opt_out_url, opt_out_url
from municipalities.enums import SdgStatusLevel
from municipalities.services.invitations import invitation_create
from selection.enums import (
    AggregationMethod,
    ConflictType,
    DecisionRule,
    ProgrammePhase,
    Vote,
)
from selection.services.decision import decision_record
from selection.services.proposal import selection_run
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
    municipality,
    scored_programme,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"

settings.register_profile(
    "forms",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
settings.register_profile("deep", parent=settings.get_profile("forms"), max_examples=300)
FUZZ = settings.get_profile("deep" if os.environ.get("SDGPILOT_FUZZ") == "deep" else "forms")

HUGE = "99999999999999999999999999"
CONTROL = "".join(chr(code) for code in [*range(32), 0x7F, 0x85, 0x2028, 0x202E, 0xFEFF])

texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
controls = st.text(alphabet=CONTROL, min_size=1, max_size=8)
nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\r\n",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "{{ 7|add:7 }}",
        "%(x)s %s {0}",
        "../../etc/passwd",
        "1e309",
        "NaN",
        "-0",
        "0x10",
        "1,5",
        "true",
        "on",
        "null",
        "[]",
    ]
)
# Just past what a database integer holds (64, 32 and 16 bits), and far past it.
EDGE_NUMBERS = [HUGE, "-" + HUGE, "9223372036854775808", "2147483648", "32768", "-1", "0"]
numbers = st.one_of(
    st.sampled_from(EDGE_NUMBERS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
huge = st.sampled_from([201, 5_001, 20_001, 140_000]).flatmap(
    lambda n: st.sampled_from(["x" * n, "é" * n, "\x00" * n, "1" * n])
)
dates = st.one_of(
    st.dates().map(str), st.sampled_from(["99999-01-01", "2017-02-30", "0000-00-00", "2017-5-2"])
)
junk = st.one_of(numbers, nasty, controls, huge, texts, dates)
# Every field at once set to one of these, for every endpoint, on every run.
EDGE_VALUES = [*EDGE_NUMBERS, "", "\x00", "a\x00b", "\x01\x1f\x7f", "x" * 20_001, "1e309", "NaN"]


def field(good=()):
    """A field's posted value: junk, a valid value, or several values at once."""
    single = st.one_of(st.sampled_from(list(good)), junk) if good else junk
    return st.one_of(single, st.lists(single, min_size=2, max_size=3))


def form(fields: dict[str, tuple | list]):
    """A POST body: any of `fields` (missing ones left out), plus a stray field now and then."""
    extra = st.dictionaries(
        st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12), junk, max_size=2
    )
    return st.builds(
        lambda chosen, more: {**more, **chosen},
        st.fixed_dictionaries({}, optional={name: field(good) for name, good in fields.items()}),
        extra,
    )


def post_ok(client, url, data, **kwargs):
    """POST and check the answer: anything but a server error."""
    response = client.post(url, data, **kwargs)
    assert response.status_code < 500, (url, response.status_code)
    return response


# --- The world the fuzzer posts into -----------------------------------------------------------


class World(dict):
    """The data the fuzzer posts into. The programme in deliberation, with a run and a draft
    decision, costs the most to build: only the tests that use it build it."""

    DELIBERATION = {"deliberation", "run", "decision", "members", "candidacies"}

    def __missing__(self, key):
        if key not in self.DELIBERATION:
            raise KeyError(key)
        deliberation = scored_programme(per_province=4, size=8, members=2)
        run = selection_run(programme=deliberation, actor=self["staff"])
        members = list(deliberation.board_members.select_related("user").order_by("pk"))
        decision = decision_record(
            run=run,
            actor=self["staff"],
            meeting_date=date(2017, 5, 2),
            meeting_location="Brussel",
            quorum=1,
            minutes="",
            votes={m.pk: (True, Vote.FOR) for m in members},
        )
        pks = deliberation.candidacies.values_list("pk", flat=True)
        self.update(
            deliberation=deliberation,
            run=run,
            decision=decision,
            members=members,
            candidacies=[str(pk) for pk in pks],
        )
        return self[key]


@pytest.fixture
def world(reference_data):
    staff = UserFactory(email="staff@example.org", is_staff=True, password=PASSWORD)

    scoring = ProgrammeFactory(phase=ProgrammePhase.SCORING)
    criteria = [CriterionFactory(programme=scoring) for _ in range(2)]
    member = BoardMemberFactory(programme=scoring, user__password=PASSWORD)
    declared = CandidacyFactory(programme=scoring, municipality=municipality("23027"))
    undeclared = CandidacyFactory(programme=scoring, municipality=municipality("71016"))
    ConflictDeclarationFactory(member=member, candidacy=declared)
    other = BoardMemberFactory(programme=scoring, user__password=None)
    conflict = ConflictDeclarationFactory(
        member=other, candidacy=declared, conflict_type=ConflictType.FINANCIAL, note="x"
    )

    applications = ProgrammeFactory(phase=ProgrammePhase.APPLICATIONS)
    contact = MunicipalityContactFactory(municipality=municipality("44021"), user__password=None)
    _invitation, invitation_token = invitation_create(
        municipality=municipality("23027"), email="invitee@example.org", actor=staff
    )

    return World(
        staff=staff,
        scoring=scoring,
        criteria=criteria,
        member=member,
        declared=declared,
        undeclared=undeclared,
        conflict=conflict,
        applications=applications,
        contact=contact.user,
        invitation_token=invitation_token,
    )


# --- The endpoints --------------------------------------------------------------------------
# name: (role, URL, fields with valid values), from the world. Every POST endpoint of the
# URLconf is here, except the admin's own pages beyond its login and the two below with
# their own tests (password reset confirmation, import upload).

CANDIDACY_FIELDS = {
    "motivation": ["Wij willen de SDG's in ons meerjarenplan verankeren. " * 5],
    "has_contact_person": ["on", "true", "1"],
    "contact_name": ["Jan Peeters"],
    "contact_email": ["jan@example.org", "not-an-email"],
    "contact_phone": ["09 123 45 67"],
    "sdg_status": SdgStatusLevel.values,
    "has_twinning": ["on"],
    "twinning_partner": ["Nicaragua"],
    "flemish_gos_subsidy": ["on"],
    "federal_subsidy": ["on"],
    "save": [""],
    "submit_candidacy": [""],
}


def _dossier_fields(w):
    fields = {"version": ["0", "1", "2"], "comment": ["Goed."], "action": ["draft", "submit"]}
    for criterion in w["criteria"]:
        fields[f"score_{criterion.pk}"] = ["1", "3", "5", "na"]
        fields[f"comment_{criterion.pk}"] = ["Sterk."]
    return fields


def _decision_fields(w):
    fields = {
        "meeting_date": ["2017-05-02"],
        "meeting_location": ["Brussel"],
        "quorum": ["1", "2"],
        "rule": DecisionRule.values,
        "minutes": ["Het voorstel wordt besproken."],
        "amendments-TOTAL_FORMS": ["0", "1", "3", "1001"],
        "amendments-INITIAL_FORMS": ["0"],
        "amendments-MIN_NUM_FORMS": ["0"],
        "amendments-MAX_NUM_FORMS": ["1000"],
    }
    for row in range(2):
        fields[f"amendments-{row}-candidacy"] = w["candidacies"]
        fields[f"amendments-{row}-action"] = ["add", "remove", ""]
        fields[f"amendments-{row}-reason"] = ["Spreiding."]
    for member in w["members"]:
        fields[f"present_{member.pk}"] = ["on"]
        fields[f"vote_{member.pk}"] = Vote.values
    return fields


def _gent_status(w) -> int:
    """Gent's status with one awareness action (key "a1"), made on first use: version 1."""
    from municipalities.enums import StatusPart
    from municipalities.models import MunicipalityStatus
    from municipalities.services.status import status_update

    if not MunicipalityStatus.objects.filter(municipality_id="44021").exists():
        status_update(
            municipality=municipality("44021"),
            actor=w["contact"],
            base_version=0,
            values={("actions", "a1"): {"title": "SDG-week", "audiences": ["citizens"]}},
            kind=StatusPart.ACTIONS,
        )
    return 1


def _assessment_fields(w):
    from municipalities.models import AssessmentOption

    fields = {"base_version": ["0", "1", "2"]}
    for option in AssessmentOption.objects.filter(question__track="awareness"):
        fields.setdefault(f"q_{option.question_id}", []).append(str(option.pk))
    return fields


def _milestone_fields(w):
    from municipalities.enums import MilestoneKind

    fields = {"base_version": ["0", "1"]}
    for kind in MilestoneKind.values[:2]:
        fields[f"{kind}-achieved"] = ["yes", "no", ""]
        fields[f"{kind}-date"] = ["2019-12-17", "1999-01-01"]
        fields[f"{kind}-link"] = ["https://gent.be/plan", "javascript:alert(1)"]
        fields[f"{kind}-document"] = ["1", "0"]
        fields[f"{kind}-remove_document"] = ["on"]
        fields[f"{kind}-upload"] = ["not a file"]
    return fields


ACTION_FIELDS = {
    "base_version": ["0", "1", "2"],
    "title": ["SDG-week"],
    "date": ["2018-03-22", "2101-01-01"],
    "audiences": ["citizens", "politicians", "aliens"],
    "reach": ["80", "10000001"],
}


def _meeting(w, *, past=False):
    """A published pilot meeting with Gent's contact invited, made on first use."""
    from datetime import timedelta

    from django.utils import timezone

    from meetings.enums import MeetingStatus
    from meetings.models import Invitation, Meeting

    title = "Fuzz past" if past else "Fuzz"
    meeting = Meeting.objects.filter(title=title).first()
    if meeting is None:
        start = timezone.now() + timedelta(days=-1 if past else 30)
        meeting = Meeting.objects.create(
            programme=w["scoring"],
            kind="pilot_meeting",
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Brussel",
            status=MeetingStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        Invitation.objects.create(meeting=meeting, user=w["contact"], municipality_id="44021")
    return meeting


def _meeting_invitation(w):
    return _meeting(w).invitations.get(user=w["contact"])


def _meeting_fields(w):
    from meetings.enums import ContactScope, MeetingAudience, MeetingKind

    return {
        "kind": MeetingKind.values,
        "title": ["Bijeenkomst pilootgroep"],
        "programme": [str(w["scoring"].pk)],
        "starts_at": ["2030-07-01T10:00", "2030-03-31T02:30", "9999-12-31T23:59"],
        "ends_at": ["2030-07-01T12:00", "2030-07-01T09:00"],
        "location": ["Brussel", ""],
        "online_link": ["https://meet.example.org/x", "javascript:alert(1)"],
        "description": ["Kennismaking."],
        "audience": MeetingAudience.values,
        "contact_scope": ContactScope.values,
        "chosen_municipalities": ["44021", "23027", "4402\x00"],
        "chosen_people": [str(w["contact"].pk)],
    }


INVITATION_FIELDS = {
    "first_name": ["Jan"],
    "last_name": ["Peeters"],
    "password1": [PASSWORD, "12345678"],
    "password2": [PASSWORD, "x"],
    "email": ["invitee@example.org", "staff@example.org"],
    "accept": [""],
}


def _contact_invitation(w):
    """The world's first invitation (to Halle): open, or spent by an earlier example."""
    from municipalities.models import ContactInvitation

    return ContactInvitation.objects.order_by("pk").first()


CONTACT_BACK = {"next": ["/staff/contacts/?q=halle&page=2", "https://evil.example/", "//evil"]}


def _partner(w):
    """A partner of the scoring programme with a subsidy report, made on first use."""
    from partners.models import Partner, SubsidyReport

    partner = Partner.objects.filter(programme=w["scoring"]).first()
    if partner is None:
        partner = Partner.objects.create(programme=w["scoring"], name="ABB", kind="government")
        subsidy = partner.subsidies.create(
            programme=w["scoring"],
            amount=1000,
            starts_on=date(2017, 1, 1),
            ends_on=date(2019, 1, 1),
        )
        SubsidyReport.objects.create(subsidy=subsidy, title="Eindrapport", due_on=date(2020, 1, 1))
    return partner


def _quota_programme(w):
    """A programme of 10 with the standard criteria and scaled quotas, made on first use."""
    from selection.models import Programme
    from selection.services.criteria import programme_seed_criteria

    programme = Programme.objects.filter(name="Fuzz quotas").first()
    if programme is None:
        programme = ProgrammeFactory(name="Fuzz quotas", pilot_group_size=10)
        programme_seed_criteria(programme=programme)
    return programme


def _quota_fields(w):
    from selection.selectors.criteria import quotas_version

    programme = _quota_programme(w)
    fields = {"version": [quotas_version(programme), "0"]}
    for criterion in programme.criteria.filter(kind="diversity").order_by("position", "pk")[:3]:
        for index in range(3):
            fields[f"q{criterion.pk}_{index}_min"] = ["0", "1", "3", "11", ""]
            fields[f"q{criterion.pk}_{index}_max"] = ["2", "5", "10", ""]
    return fields


def _partner_report(w):
    from partners.models import SubsidyReport

    return SubsidyReport.objects.get(subsidy__funder=_partner(w))


def _board_manager(w):
    """Staff who may seat board members (the admin's permissions), made on first use."""
    from django.contrib.auth.models import Permission

    if "board_manager" not in w:
        user = UserFactory(email="bureau@example.org", is_staff=True, password=None)
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="selection",
                codename__in=["add_boardmember", "change_boardmember"],
            )
        )
        w["board_manager"] = user
    return w["board_manager"]


def _board_fields(w):
    from selection.models import BoardOrganisation

    organisation = BoardOrganisation.objects.get_or_create(name="11.11.11", kind="ngo")[0]
    return {
        "email": ["an@example.org", w["member"].user.email, w["contact"].email, "not-an-email"],
        "first_name": ["An"],
        "last_name": ["Peeters"],
        "organisation": [str(organisation.pk), "99999999999999999999"],
        "new_organisation": ["Cifal Flanders", "11.11.11"],
        "kind": ["ngo", "network", "alien"],
        "language": ["nl", "en", "fr"],
    }


ENDPOINTS = {
    "login": lambda w: (
        None,
        reverse("login"),
        {"username": ["staff@example.org", "STAFF@example.org "], "password": [PASSWORD]},
    ),
    "admin_login": lambda w: (
        None,
        reverse("admin:login"),
        {"username": ["staff@example.org"], "password": [PASSWORD]},
    ),
    "password_reset": lambda w: (
        None,
        reverse("password_reset"),
        {"email": ["staff@example.org", "nobody@example.org"]},
    ),
    "language_switch": lambda w: (
        None,
        reverse("set_language"),
        {"language": ["nl", "en"], "next": ["/", "https://evil.example/", "//evil"]},
    ),
    "logout": lambda w: (w["staff"], reverse("logout"), {}),
    "candidacy_apply_and_edit": lambda w: (
        w["contact"],
        reverse("selection:apply", args=[w["applications"].pk]),
        CANDIDACY_FIELDS,
    ),
    "import_without_a_file": lambda w: (
        w["staff"],
        reverse("selection:import_candidacies", args=[w["applications"].pk]),
        {"file": ["not a file"]},
    ),
    "board_declare": lambda w: (
        w["member"].user,
        reverse("selection:board_declare", args=[w["undeclared"].pk]),
        {"conflict_type": ConflictType.values, "note": ["Ik werk er."]},
    ),
    "board_dossier_scoring": lambda w: (
        w["member"].user,
        reverse("selection:board_dossier", args=[w["declared"].pk]),
        _dossier_fields(w),
    ),
    "programme_phase": lambda w: (
        w["staff"],
        reverse("selection:programme_phase", args=[w["scoring"].pk]),
        {"phase": ProgrammePhase.values, "reason": ["Een fout."]},
    ),
    "conflict_lift": lambda w: (
        w["staff"],
        reverse("selection:conflict_lift", args=[w["conflict"].pk]),
        {"reason": ["Onterecht gemeld."]},
    ),
    "run_proposal_form": lambda w: (
        w["staff"],
        reverse("selection:proposal", args=[w["deliberation"].pk]),
        {
            "method": AggregationMethod.values,
            "include": w["candidacies"],
            "exclude": w["candidacies"],
        },
    ),
    "run_rerun": lambda w: (w["staff"], reverse("selection:run_rerun", args=[w["run"].pk]), {}),
    "criteria_quotas": lambda w: (
        w["staff"],
        reverse("selection:criteria", args=[_quota_programme(w).pk]),
        _quota_fields(w),
    ),
    "criteria_scale": lambda w: (
        w["staff"],
        reverse("selection:criteria_scale", args=[_quota_programme(w).pk]),
        {"version": _quota_fields(w)["version"]},
    ),
    "withdraw": lambda w: (
        w["staff"],
        reverse("selection:run_withdraw", args=[w["run"].pk]),
        {"candidacy": w["candidacies"]},
    ),
    "decision_create": lambda w: (
        w["staff"],
        reverse("selection:decision_create", args=[w["run"].pk]),
        _decision_fields(w),
    ),
    "decision_confirm": lambda w: (
        w["staff"],
        reverse("selection:decision_confirm", args=[w["decision"].pk]),
        {},
    ),
    "decision_discard": lambda w: (
        w["staff"],
        reverse("selection:decision_discard", args=[w["decision"].pk]),
        {},
    ),
    "portal_assessment": lambda w: (
        w["contact"],
        reverse("portal:assessment", args=["44021", "awareness"]),
        _assessment_fields(w),
    ),
    "portal_goal": lambda w: (
        w["contact"],
        reverse("portal:goal", args=["44021", 7]),
        {
            "base_version": ["0", "1", "2"],
            "today": ["none", "some", "strong"],
            "ambition": ["none", "some", "strong"],
            "targets": ["7.1", "7.2", "7.a", "8.1"],
            "note": ["Zonnepanelen."],
            "links": ["https://gent.be/energie", "https://a.be\nhttps://b.be", "javascript:x"],
        },
    ),
    "portal_milestones": lambda w: (
        w["contact"],
        reverse("portal:milestones", args=["44021"]),
        _milestone_fields(w),
    ),
    "portal_actions": lambda w: (
        w["contact"],
        reverse("portal:actions", args=["44021"]),
        ACTION_FIELDS,
    ),
    "portal_action": lambda w: (
        w["contact"],
        reverse("portal:action", args=["44021", "a1" if _gent_status(w) else ""]),
        {**ACTION_FIELDS, "delete": [""]},
    ),
    "portal_restore": lambda w: (
        w["staff"],
        reverse("portal:restore", args=["44021", _gent_status(w)]),
        {"base_version": ["0", "1", "2"]},
    ),
    "snapshot_take": lambda w: (
        w["staff"],
        reverse("portal:snapshots"),
        {"label": ["Raad van bestuur 12 maart 2018", "x" * 120]},
    ),
    # The first valid example spends the token; the later ones meet the "no longer valid" page.
    "invitation_accept": lambda w: (
        None,
        reverse("portal:invitation_accept", args=[w["invitation_token"]]),
        INVITATION_FIELDS,
    ),
    "meeting_create": lambda w: (w["staff"], reverse("meetings:create"), _meeting_fields(w)),
    "meeting_edit": lambda w: (
        w["staff"],
        reverse("meetings:edit", args=[_meeting(w).pk]),
        _meeting_fields(w),
    ),
    "meeting_agenda": lambda w: (
        w["staff"],
        reverse("meetings:agenda", args=[_meeting(w).pk]),
        {
            "agenda-TOTAL_FORMS": ["1", "2", "1000"],
            "agenda-INITIAL_FORMS": ["0"],
            "agenda-0-title": ["Welkom"],
            "agenda-0-minutes": ["15"],
            "links-TOTAL_FORMS": ["1"],
            "links-INITIAL_FORMS": ["0"],
            "links-0-title": ["Presentatie"],
            "links-0-url": ["https://example.org/"],
        },
    ),
    "meeting_publish": lambda w: (
        w["staff"],
        reverse("meetings:publish", args=[_meeting(w).pk]),
        {},
    ),
    "meeting_record_held": lambda w: (
        w["staff"],
        reverse("meetings:record_held", args=[_meeting(w).pk]),
        {},
    ),
    "meeting_cancel": lambda w: (
        w["staff"],
        reverse("meetings:cancel", args=[_meeting(w).pk]),
        {"reason": ["Te weinig animo."]},
    ),
    "meeting_next_year": lambda w: (
        w["staff"],
        reverse("meetings:next_year", args=[_meeting(w).pk]),
        {},
    ),
    "meeting_report": lambda w: (
        w["staff"],
        reverse("meetings:report", args=[_meeting(w).pk]),
        {"minutes": ["Verslag."], "outcome": ["Goed."]},
    ),
    "meeting_document_add": lambda w: (
        w["staff"],
        reverse("meetings:document_add", args=[_meeting(w).pk]),
        {"file": ["not a file"]},
    ),
    "meeting_attendance": lambda w: (
        w["staff"],
        reverse("meetings:attendance", args=[_meeting(w, past=True).pk]),
        {
            "attended": [str(i.pk) for i in _meeting(w, past=True).invitations.all()]
            + ["99999999999999999999"]
        },
    ),
    "meeting_expectations": lambda w: (
        w["staff"],
        reverse("meetings:expectations", args=[_meeting(w, past=True).pk]),
        {
            "municipality": ["44021", "23027", ""],
            "category": ["support", "policy"],
            "text": ["Draagvlak."],
            "audiences": ["citizens", "politicians", "aliens"],
            "record": [""],
        },
    ),
    "meeting_expectations_review": lambda w: (
        w["staff"],
        reverse("meetings:expectations", args=[_meeting(w, past=True).pk]),
        {"review": ["1"], "fulfilment_1": ["met", "partly", "not_met"], "note_1": ["Deels."]},
    ),
    "reminders_pause_switch": lambda w: (
        w["staff"],
        reverse("meetings:reminders"),
        {"action": ["pause", "resume", "toggle"]},
    ),
    "meeting_answer": lambda w: (
        w["contact"],
        reverse("meetings:answer", args=[_meeting_invitation(w).pk]),
        {"answer": ["yes", "no", "maybe", "pending"]},
    ),
    "meeting_answer_link": lambda w: (None, answer_url(_meeting_invitation(w), "yes"), {}),
    "meeting_answer_link_unknown_token": lambda w: (
        None,
        reverse("meetings:answer_link", args=["not-a-token"]),
        {},
    ),
    "calendar_feed": lambda w: (
        w["contact"],
        reverse("meetings:calendar"),
        {"action": ["create", "reset"]},
    ),
    "reminder_opt_out": lambda w: (
        None,
        opt_out_url(w["contact"]),
        {"action": ["opt_out", "opt_in"]},
    ),
    "reminder_one_click_opt_out": lambda w: (
        None,
        one_click_opt_out_url(w["contact"]),
        {"List-Unsubscribe": ["One-Click"]},
    ),
    "reminder_opt_out_unknown_token": lambda w: (
        None,
        reverse("meetings:opt_out", args=["not-a-token"]),
        {"action": ["opt_out"]},
    ),
    "invitation_accept_unknown_token": lambda w: (
        None,
        reverse("portal:invitation_accept", args=["not-a-token"]),
        INVITATION_FIELDS,
    ),
    "contact_invite": lambda w: (
        w["staff"],
        reverse("portal:contact_invite"),
        {
            "municipality": ["44021", "23027", "99999", "4402\x00"],
            "email": ["nieuw@example.org", "invitee@example.org", "staff@example.org"],
            "first_name": ["Jan"],
            "last_name": ["Peeters"],
            "invite": [""],
        },
    ),
    "contact_invitation_resend": lambda w: (
        w["staff"],
        reverse("portal:contact_invitation_resend", args=[_contact_invitation(w).pk]),
        CONTACT_BACK,
    ),
    "contact_invitation_revoke": lambda w: (
        w["staff"],
        reverse("portal:contact_invitation_revoke", args=[_contact_invitation(w).pk]),
        CONTACT_BACK,
    ),
    "public_switch": lambda w: (
        w["staff"],
        reverse("portal:public_switch", args=[w["scoring"].pk]),
        {"public": ["on", "off"]},
    ),
    "partner_contact_create": lambda w: (
        w["staff"],
        reverse("partners:contact_create", args=[w["scoring"].pk, _partner(w).pk]),
        {
            "date": ["2018-01-09", "2101-01-01", "1999-12-31"],
            "who": [str(w["staff"].pk), "0"],
            "topic": ["Vorming"],
            "outcome": ["Afspraken."],
            "meetings": [str(_meeting(w).pk), "99999999999999999999"],
            "document": ["not a file"],
        },
    ),
    "partner_report_submit": lambda w: (
        w["staff"],
        reverse("partners:report_submit", args=[w["scoring"].pk, _partner_report(w).pk]),
        {
            f"report-{_partner_report(w).pk}-submitted_on": ["2018-06-25", "2101-01-01"],
        },
    ),
    "board_staff_add": lambda w: (
        _board_manager(w),
        reverse("selection:board_staff_add", args=[w["scoring"].pk]),
        _board_fields(w),
    ),
    "board_staff_active": lambda w: (
        _board_manager(w),
        reverse("selection:board_staff_active", args=[w["scoring"].pk, w["member"].pk]),
        {"active": ["0", "1", "yes"], "reason": ["Op pensioen."]},
    ),
    "board_staff_welcome": lambda w: (
        _board_manager(w),
        reverse("selection:board_staff_welcome", args=[w["scoring"].pk, w["member"].pk]),
        {},
    ),
}


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", ENDPOINTS)
@FUZZ
@given(data=st.data())
def test_fuzz_endpoint(client, world, name, data):
    user, url, fields = ENDPOINTS[name](world)
    post_ok(_as(client, user), url, data.draw(form(fields), label="POST"))


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_field_at_each_edge_value(client, world, name):
    """Deterministic: all fields (and one stray field) at once at each edge value."""
    user, url, fields = ENDPOINTS[name](world)
    _as(client, user)
    for value in EDGE_VALUES:
        post_ok(client, url, {**dict.fromkeys(fields, value), "stray": value})
        post_ok(client, url, {name: [value, value] for name in fields})


def test_fuzz_covers_every_post_endpoint():
    """Each URL that takes a POST has a fuzz test: the list above, or a test of its own."""
    from django.urls import get_resolver

    def names(resolver, namespace=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                if pattern.namespace != "admin":
                    yield from names(pattern, inner)
            elif pattern.name:
                yield f"{namespace}{pattern.name}"

    covered = {
        "login", "logout", "password_reset", "set_language", "selection:apply",
        "selection:import_candidacies", "selection:board_declare", "selection:board_dossier",
        "selection:programme_phase", "selection:conflict_lift", "selection:proposal",
        "selection:run_rerun", "selection:run_withdraw", "selection:decision_create",
        "selection:decision_confirm", "selection:decision_discard",
        "selection:board_staff_add", "selection:board_staff_active",
        "selection:board_staff_welcome",
        "selection:criteria", "selection:criteria_scale",
        "password_reset_confirm",
        "portal:assessment", "portal:goal", "portal:milestones", "portal:actions",
        "portal:action", "portal:restore", "portal:snapshots", "portal:invitation_accept",
        "meetings:create", "meetings:edit", "meetings:agenda", "meetings:publish",
        "meetings:record_held", "meetings:cancel",
        "meetings:next_year", "meetings:report", "meetings:document_add", "meetings:attendance",
        "meetings:expectations", "meetings:answer", "meetings:answer_link", "meetings:calendar",
        "meetings:opt_out", "meetings:opt_out_one_click", "meetings:reminders",
        "portal:public_switch",
        "portal:contact_invite", "portal:contact_invitation_resend",
        "portal:contact_invitation_revoke",
        "partners:contact_create", "partners:report_submit",
    }  # fmt: skip
    # Pages that show something and take no POST (a POST is refused or ignored).
    read_only = {
        "start", "healthz", "password_reset_done", "password_reset_complete",
        "selection:programme_overview", "selection:programme_detail", "selection:board_home",
        "selection:ranking", "selection:ranking_csv", "selection:ranking_xlsx",
        "selection:agreement", "selection:progress", "selection:run_detail",
        "selection:decision_detail", "selection:decision_record", "selection:my_candidacy",
        "selection:board_staff",
        "portal:home", "portal:goals", "portal:document", "portal:history",
        "portal:dashboard",
        "portal:heatmap", "portal:export_csv", "portal:export_xlsx", "portal:map",
        "portal:compare", "portal:contacts",
        "meetings:list", "meetings:detail", "meetings:document",
        "meetings:my_meetings", "meetings:my_document", "meetings:calendar_feed",
        # A programme's public page answers a POST with 405.
        "portal:public_page",
        # The report's snapshot choice is a GET form (tests/reports/ fuzzes its parameters).
        "reports:report", "reports:report_pdf",
        # Partners: the kind filter of the list is a GET form (tests/partners/ fuzzes it).
        "partners:home", "partners:list", "partners:detail", "partners:contact_document",
        "partners:subsidies", "partners:trainings",
    }  # fmt: skip
    assert set(names(get_resolver())) - covered - read_only == set()


@FUZZ
@given(
    data=form({"new_password1": ["Een nieuw wachtwoord 2017"], "new_password2": ["x"]}),
    uid=st.one_of(st.just(None), texts, numbers.map(lambda n: urlsafe_base64_encode(n.encode()))),
)
def test_fuzz_password_reset_confirm(client, world, data, uid):
    staff = world["staff"]
    token = default_token_generator.make_token(staff)
    uidb64 = urlsafe_base64_encode(force_bytes(staff.pk)) if uid is None else uid
    uidb64 = "".join(c for c in uidb64 if c not in "/?#%\x00") or "x"
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}), follow=True
    )
    assert response.status_code < 500
    chain = response.redirect_chain
    url = chain[-1][0] if chain else response.request["PATH_INFO"]
    post_ok(client, url, data)


# Files the import must refuse, each with a clear message (tests/selection/test_intake_crafted.py).
CRAFTED = [
    built(wide_row, 2_000).getvalue(),
    built(declared_dimension).getvalue(),
    built(huge_cell, 1_000).getvalue(),
    built(zip_bomb, 3_000_000).getvalue(),
    built(random_bytes, 2_000).getvalue(),
    built(long_csv_cell).getvalue(),
    b"nis_code,motivation\n44021,a\x00b\n",
]
upload_contents = st.one_of(
    st.binary(max_size=3_000),
    texts.map(str.encode),
    st.lists(st.lists(junk, max_size=4), max_size=4).map(
        lambda rows: "\n".join(
            ",".join(cell.replace("\n", " ") for cell in row)
            for row in [["nis_code", "motivation", "has_twinning"], *rows]
        ).encode("utf-8", "replace")
    ),
    st.sampled_from(CRAFTED),
)
upload_names = st.sampled_from(
    ["k.csv", "k.xlsx", "k.CSV", "k.txt", "k", ".xlsx", "k.xlsx.csv", "x" * 300 + ".csv"]
)


@pytest.mark.parametrize("name", ["k.csv", "k.xlsx"])
def test_every_crafted_upload(client, world, name):
    _as(client, world["staff"])
    url = reverse("selection:import_candidacies", args=[world["applications"].pk])
    for content in CRAFTED:
        response = post_ok(client, url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200
        assert response.context["errors"], (name, content[:20])


@FUZZ
@given(content=upload_contents, name=upload_names, data=form({}))
def test_fuzz_import_upload(client, world, content, name, data):
    _as(client, world["staff"])
    url = reverse("selection:import_candidacies", args=[world["applications"].pk])
    post_ok(client, url, {**data, "file": SimpleUploadedFile(name, content)})


@FUZZ
@given(
    data=form(
        {
            "method": AggregationMethod.values,
            "sort": ["score", "-score", "name"],
            "province": ["Limburg"],
            "size_class": ["small"],
            "outcome": ["pilot"],
            "show": ["todo", "done"],
        }
    )
)
def test_fuzz_staff_and_board_filters(client, world, data):
    _as(client, world["staff"])
    for name in ("ranking", "ranking_csv", "ranking_xlsx"):
        url = reverse(f"selection:{name}", args=[world["deliberation"].pk])
        assert client.get(url, data).status_code < 500
    _as(client, world["member"].user)
    assert client.get(reverse("selection:board_home"), data).status_code < 500
