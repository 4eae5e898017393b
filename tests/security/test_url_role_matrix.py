"""Every URL pattern against every role, in one table: the answer each cell must give.

The table holds one row per URL pattern of the URLconf (the admin's excepted, which follow
one rule below). A pattern without a row fails `test_every_url_pattern_has_a_row`, so a new
page cannot be added without deciding who may open it. The answers follow the project's
rules: deny by default (an anonymous visitor goes to the login page), staff pages answer
403 to anyone else, and an object page answers 404 to anyone who may not see that object,
so an id tells nothing about what exists. A refused request never writes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from meetings.enums import MeetingKind, MeetingStatus
from meetings.models import Invitation, Meeting, MeetingDocument
from municipalities.enums import StatusPart
from municipalities.models import (
    Arrondissement,
    ContactInvitation,
    Municipality,
    Province,
    SDGGoal,
    SDGTarget,
    StatusDocument,
)
from municipalities.services.invitations import invitation_create
from municipalities.services.status import status_update
from partners.models import Partner, PartnerContact, SubsidyReport
from selection.enums import ConflictType, ProgrammePhase, Vote
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
    scored_programme,
)

pytestmark = pytest.mark.django_db

GENT, HALLE = "44021", "23027"

ROLES = (
    "anonymous",
    "contact_a",  # contact of municipality A (Gent)
    "contact_b",  # contact of municipality B (Halle)
    "member",  # active board member, declared no conflict on A's candidacy
    "conflicted",  # active board member, declared a conflict on A's candidacy
    "inactive",  # inactive board member (who once declared no conflict on A's candidacy)
    "staff",  # VVSG staff without any admin permission
    "superuser",
)

# Answers other than a status code.
L = "login"  # a redirect to the login page (?next=...)
AL = "admin login"  # a redirect to the admin's login page (?next=...)
R = "redirect"  # a redirect to the page's next step, not to a login page
REFUSED = {L, AL, 403, 404, 405}


# --- The world: one set of objects for the whole module ------------------------------


@dataclass
class World:
    scoring: object  # the programme the board is scoring: A's and B's candidacies
    deliberation: object  # a scored programme in deliberation, with a run and a decision
    call: object  # a programme whose call for candidacies is open
    candidacy_a: object
    candidacy_b: object
    conflict: object  # the conflicted member's declaration on A's candidacy
    run: object
    decision: object
    action_key: str  # an awareness action in A's status
    document: object  # a file A's contact attached to a milestone
    meeting: object  # a published meeting of the scoring programme, A's contact invited
    invitation_a: object
    meeting_document: object
    users: dict


def build_world() -> World:
    users = {
        "contact_a": UserFactory(password=None),
        "contact_b": UserFactory(password=None),
        "member": UserFactory(password=None),
        "conflicted": UserFactory(password=None),
        "inactive": UserFactory(password=None),
        "staff": UserFactory(password=None, is_staff=True),
        "superuser": UserFactory(password=None, is_staff=True, is_superuser=True),
    }
    MunicipalityContactFactory(user=users["contact_a"], municipality_id=GENT)
    MunicipalityContactFactory(user=users["contact_b"], municipality_id=HALLE)

    scoring = ProgrammeFactory(phase=ProgrammePhase.SCORING)
    CriterionFactory(programme=scoring, name="Motivatie")
    candidacy_a = CandidacyFactory(programme=scoring, municipality_id=GENT)
    candidacy_b = CandidacyFactory(programme=scoring, municipality_id=HALLE)
    for code in ("11002", "31005", "71022"):
        CandidacyFactory(programme=scoring, municipality_id=code)
    member = BoardMemberFactory(programme=scoring, user=users["member"])
    conflicted = BoardMemberFactory(programme=scoring, user=users["conflicted"])
    inactive = BoardMemberFactory(programme=scoring, user=users["inactive"], active=False)
    ConflictDeclarationFactory(member=member, candidacy=candidacy_a)
    ConflictDeclarationFactory(member=inactive, candidacy=candidacy_a)
    conflict = ConflictDeclarationFactory(
        member=conflicted, candidacy=candidacy_a, conflict_type=ConflictType.EMPLOYMENT
    )

    # Its public page is published: the one page besides the login open to anyone.
    deliberation = scored_programme(per_province=4, size=6, public_page=True)
    run = selection_run(programme=deliberation, actor=users["staff"])
    decision = decision_record(
        run=run,
        meeting_date=date(2017, 5, 2),
        meeting_location="Paleizenstraat 90, Brussel",
        quorum=2,
        votes={m.pk: (True, Vote.FOR) for m in deliberation.board_members.all()},
        actor=users["staff"],
    )
    gent_municipality = Municipality.objects.get(pk=GENT)
    document = StatusDocument.objects.create(
        municipality=gent_municipality,
        file=SimpleUploadedFile("besluit.pdf", b"%PDF-1.4 a council decision"),
        name="besluit.pdf",
        extension="pdf",
        size=27,
        uploaded_by=users["contact_a"],
    )
    action_key = "a1"
    status_update(
        municipality=gent_municipality,
        actor=users["contact_a"],
        base_version=0,
        values={
            ("actions", action_key): {"title": "SDG-week", "audiences": ["citizens"], "reach": 80},
            ("milestones", "council_decision"): {"achieved": True, "document": document.pk},
        },
        kind=StatusPart.ACTIONS,
    )
    start = timezone.now() + timedelta(days=10)
    meeting = Meeting.objects.create(
        programme=scoring,
        kind=MeetingKind.PILOT_MEETING,
        title="Bijeenkomst",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Brussel",
        status=MeetingStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    invitation_a = Invitation.objects.create(
        meeting=meeting, user=users["contact_a"], municipality_id=GENT
    )
    meeting_document = MeetingDocument.objects.create(
        meeting=meeting,
        name="agenda.pdf",
        extension="pdf",
        size=15,
        file=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda"),
    )
    # The partners pages: a partner of the scoring programme, a contact with its document,
    # a subsidy report (found again by programme in the rows below).
    partner = Partner.objects.create(programme=scoring, name="Team DO", kind="government")
    PartnerContact.objects.create(
        partner=partner,
        date=date(2018, 1, 9),
        topic="Vorming",
        document=SimpleUploadedFile("verslag.pdf", b"%PDF-1.4 notes"),
        document_name="verslag.pdf",
        document_extension="pdf",
    )
    SubsidyReport.objects.create(
        subsidy=partner.subsidies.create(
            programme=scoring, amount=1000, starts_on=date(2017, 1, 1), ends_on=date(2019, 1, 1)
        ),
        title="Eindrapport",
        due_on=date(2020, 3, 31),
    )
    # An open invitation to become A's contact (the staff page of contacts resends, revokes).
    invitation_create(
        municipality=gent_municipality, email="invitee@example.org", actor=users["staff"]
    )
    return World(
        meeting=meeting,
        invitation_a=invitation_a,
        meeting_document=meeting_document,
        action_key=action_key,
        document=document,
        scoring=scoring,
        deliberation=deliberation,
        call=ProgrammeFactory(phase=ProgrammePhase.APPLICATIONS),
        candidacy_a=candidacy_a,
        candidacy_b=candidacy_b,
        conflict=conflict,
        run=run,
        decision=decision,
        users=users,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once, in a transaction that is rolled back after the module's last test.

    Each test runs in its own savepoint inside it (pytest-django's `db`), so whatever a
    request writes is gone before the next cell.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# --- The table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """The URL's arguments from the world, and the answer per role (in ROLES order) to a
    GET and, for a view that takes a form or an action, to a POST with an empty body."""

    kwargs: Callable[[World], dict]
    get: tuple
    post: tuple | None = None


def none(w):
    return {}


def scoring(w):
    return {"programme_pk": w.scoring.pk}


def deliberation(w):
    return {"programme_pk": w.deliberation.pk}


def call(w):
    return {"programme_pk": w.call.pk}


def candidacy_a(w):
    return {"pk": w.candidacy_a.pk}


def run(w):
    return {"pk": w.run.pk}


def decision(w):
    return {"pk": w.decision.pk}


def gent(w):
    return {"nis_code": GENT}


def meeting(w):
    return {"pk": w.meeting.pk}


def bad_token(w):
    return {"token": "not-a-token"}


def contact_invitation(w):
    return {"pk": ContactInvitation.objects.get(email="invitee@example.org").pk}


def partner(w):
    return {"programme_pk": w.scoring.pk, "pk": Partner.objects.get(programme=w.scoring).pk}


def partner_contact(w):
    contact = PartnerContact.objects.get(partner__programme=w.scoring)
    return {"programme_pk": w.scoring.pk, "pk": contact.pk}


def subsidy_report(w):
    report = SubsidyReport.objects.get(subsidy__programme=w.scoring)
    return {"programme_pk": w.scoring.pk, "pk": report.pk}


def board_seat(w):
    seat = w.scoring.board_members.get(user=w.users["member"])
    return {"programme_pk": w.scoring.pk, "pk": seat.pk}


# Each answer tuple is in ROLES order:
# (anonymous, contact_a, contact_b, member, conflicted, inactive, staff, superuser).
OPEN = (200,) * 8
STAFF = (L, 403, 403, 403, 403, 403, 200, 200)
STAFF_POST_ONLY = (L, 403, 403, 403, 403, 403, 405, 405)
STAFF_ACTION = (L, 403, 403, 403, 403, 403, R, R)
OWN = (L, 200, 404, 404, 404, 404, 200, 200)  # municipality A's own pages

TABLE: dict[str, Row] = {
    # Open pages: login, password reset, language switch, health check.
    "healthz": Row(none, get=OPEN),
    "set_language": Row(none, get=(R,) * 8, post=(R,) * 8),
    "login": Row(none, get=(200, R, R, R, R, R, R, R), post=(200, R, R, R, R, R, R, R)),
    "logout": Row(none, get=(L, 405, 405, 405, 405, 405, 405, 405), post=(L, R, R, R, R, R, R, R)),
    "password_reset": Row(none, get=OPEN, post=OPEN),
    "password_reset_done": Row(none, get=OPEN),
    "password_reset_confirm": Row(
        lambda w: {"uidb64": "MQ", "token": "set-password"}, get=OPEN, post=OPEN
    ),
    "password_reset_complete": Row(none, get=OPEN),
    # Each role's start page; a board member without an active seat has no role.
    "start": Row(none, get=(L, R, R, R, R, 200, R, R)),
    # Municipality A's page: its contact and staff only.
    # Municipality A's pages: its contact and staff only; B's contact learns nothing.
    "portal:home": Row(gent, get=OWN),
    "portal:assessment": Row(lambda w: {"nis_code": GENT, "track": "policy"}, get=OWN, post=OWN),
    "portal:goals": Row(gent, get=OWN),
    "portal:goal": Row(lambda w: {"nis_code": GENT, "number": 7}, get=OWN, post=OWN),
    "portal:milestones": Row(gent, get=OWN, post=OWN),
    "portal:actions": Row(gent, get=OWN, post=OWN),
    "portal:action": Row(lambda w: {"nis_code": GENT, "key": w.action_key}, get=OWN, post=OWN),
    "portal:document": Row(lambda w: {"nis_code": GENT, "pk": w.document.pk}, get=OWN),
    "portal:history": Row(gent, get=OWN),
    # Restoring is for staff; A's contact sees the history but may not restore.
    "portal:restore": Row(
        lambda w: {"nis_code": GENT, "number": 1},
        get=(L, 405, 404, 404, 404, 404, 405, 405),
        post=(L, 403, 404, 404, 404, 404, R, R),
    ),
    # The staff's start page: the dashboard of the latest programme (or ?programme=<pk>).
    "portal:dashboard": Row(none, get=STAFF),
    # Staff overviews of every municipality's status.
    "portal:heatmap": Row(none, get=STAFF),
    "portal:map": Row(none, get=STAFF),
    "portal:export_csv": Row(none, get=STAFF),
    "portal:export_xlsx": Row(none, get=STAFF),
    # An empty POST re-renders the form with its errors.
    "portal:snapshots": Row(none, get=STAFF, post=STAFF),
    "portal:compare": Row(none, get=STAFF),
    # Staff pages of the contact persons: an empty invite form answers with its errors.
    "portal:contacts": Row(none, get=STAFF),
    "portal:contact_invite": Row(none, get=STAFF, post=STAFF),
    "portal:contact_invitation_resend": Row(
        contact_invitation, get=STAFF_POST_ONLY, post=STAFF_ACTION
    ),
    "portal:contact_invitation_revoke": Row(
        contact_invitation, get=STAFF_POST_ONLY, post=STAFF_ACTION
    ),
    # An invitation link works without a login; an unknown token says so on the page.
    "portal:invitation_accept": Row(lambda w: {"token": "not-a-token"}, get=OPEN, post=OPEN),
    # A programme's public page: anyone, logged in or not; it takes no POST. The switch
    # that publishes it is for staff (an empty POST redirects back with an error).
    "portal:public_page": Row(lambda w: {"pk": w.deliberation.pk}, get=OPEN, post=(405,) * 8),
    "portal:public_switch": Row(deliberation, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    # Staff pages of the meetings.
    "meetings:list": Row(none, get=STAFF),
    "meetings:create": Row(none, get=STAFF, post=STAFF),
    "meetings:detail": Row(meeting, get=STAFF),
    "meetings:edit": Row(meeting, get=STAFF, post=STAFF),
    # A POST without the formsets' management data is a 400 (nothing saved).
    "meetings:agenda": Row(meeting, get=STAFF, post=(L, 403, 403, 403, 403, 403, 400, 400)),
    "meetings:publish": Row(meeting, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "meetings:record_held": Row(meeting, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "meetings:cancel": Row(meeting, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "meetings:next_year": Row(meeting, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "meetings:report": Row(meeting, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "meetings:document_add": Row(meeting, get=STAFF_POST_ONLY, post=STAFF),
    "meetings:attendance": Row(meeting, get=STAFF, post=STAFF),
    "meetings:expectations": Row(meeting, get=STAFF, post=STAFF),
    # Staff, and the invitees of the meeting (A's contact).
    "meetings:reminders": Row(none, get=STAFF, post=STAFF_ACTION),
    "meetings:document": Row(lambda w: {"pk": w.meeting_document.pk}, get=OWN),
    # The invited people's pages: everyone with a login has a (maybe empty) list; another
    # person's invitation or document answers 404.
    "meetings:my_meetings": Row(none, get=(L,) + (200,) * 7),
    "meetings:answer": Row(
        lambda w: {"pk": w.invitation_a.pk},
        get=(L,) + (405,) * 7,
        post=(L, 400, 404, 404, 404, 404, 404, 404),
    ),
    "meetings:my_document": Row(lambda w: {"pk": w.meeting_document.pk}, get=OWN),
    "meetings:calendar": Row(none, get=(L,) + (200,) * 7, post=(L,) + (400,) * 7),
    # Links from mails and the calendar feed: a wrong token answers 404 to everyone.
    "meetings:answer_link": Row(
        lambda w: {"token": "not-a-token"}, get=(404,) * 8, post=(404,) * 8
    ),
    "meetings:opt_out": Row(lambda w: {"token": "not-a-token"}, get=(404,) * 8, post=(404,) * 8),
    "meetings:opt_out_one_click": Row(
        lambda w: {"token": "not-a-token"}, get=(405,) * 8, post=(404,) * 8
    ),
    "meetings:calendar_feed": Row(lambda w: {"token": "not-a-token"}, get=(404,) * 8),
    # A contact's own application: always their own municipality's, so B sees B's.
    "selection:my_candidacy": Row(none, get=(L, R, R, 403, 403, 403, 403, 403)),
    # An empty POST saves an empty draft (the SDG status comes from the self-assessment).
    "selection:apply": Row(
        call,
        get=(L, 200, 200, 403, 403, 403, 403, 403),
        post=(L, R, R, 403, 403, 403, 403, 403),
    ),
    # Board pages, on A's candidacy: a conflicted member may declare but never read the
    # dossier; an inactive seat opens nothing; nobody else learns the candidacy exists.
    "selection:board_home": Row(none, get=(L, 403, 403, 200, 200, 403, 403, 403)),
    "selection:board_declare": Row(
        candidacy_a,
        get=(L, 404, 404, 200, 200, 404, 404, 404),
        post=(L, 404, 404, 200, 200, 404, 404, 404),
    ),
    "selection:board_dossier": Row(
        candidacy_a,
        get=(L, 404, 404, 200, 404, 404, 404, 404),
        post=(L, 404, 404, 200, 404, 404, 404, 404),
    ),
    # Staff pages of a programme.
    "selection:programme_overview": Row(none, get=STAFF),
    "selection:programme_detail": Row(scoring, get=STAFF),
    "selection:programme_phase": Row(
        scoring, get=STAFF_POST_ONLY, post=(L, 403, 403, 403, 403, 403, 400, 400)
    ),
    "selection:conflict_lift": Row(
        lambda w: {"pk": w.conflict.pk}, get=STAFF_POST_ONLY, post=STAFF_ACTION
    ),
    # The board's staff page: every staff member reads it; seating and changing a member
    # need the admin's permissions on board members (staff here have none). An empty POST
    # re-renders the add form with its errors, or redirects back from a seat's action.
    "selection:board_staff": Row(scoring, get=STAFF),
    "selection:board_staff_add": Row(
        scoring,
        get=(L, 403, 403, 403, 403, 403, 403, 200),
        post=(L, 403, 403, 403, 403, 403, 403, 200),
    ),
    "selection:board_staff_active": Row(
        board_seat,
        get=(L, 403, 403, 403, 403, 403, 403, 405),
        post=(L, 403, 403, 403, 403, 403, 403, R),
    ),
    "selection:board_staff_welcome": Row(
        board_seat,
        get=(L, 403, 403, 403, 403, 403, 403, 405),
        post=(L, 403, 403, 403, 403, 403, 403, R),
    ),
    "selection:import_candidacies": Row(call, get=STAFF, post=STAFF),
    "selection:ranking": Row(scoring, get=STAFF),
    "selection:ranking_csv": Row(scoring, get=STAFF),
    "selection:ranking_xlsx": Row(scoring, get=STAFF),
    "selection:agreement": Row(scoring, get=STAFF),
    "selection:progress": Row(scoring, get=STAFF),
    # Staff pages of the proposal and the decision.
    "selection:proposal": Row(deliberation, get=STAFF, post=STAFF),
    "selection:run_detail": Row(run, get=STAFF),
    "selection:run_rerun": Row(run, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "selection:run_withdraw": Row(run, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "selection:decision_create": Row(run, get=STAFF, post=STAFF),
    "selection:decision_detail": Row(decision, get=STAFF),
    "selection:decision_confirm": Row(decision, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "selection:decision_discard": Row(decision, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    "selection:decision_record": Row(decision, get=STAFF),
    # Criteria and quotas: an empty POST lacks the form's version (400, nothing saved); the
    # scaling button redirects back to the page.
    "selection:criteria": Row(scoring, get=STAFF, post=(L, 403, 403, 403, 403, 403, 400, 400)),
    "selection:criteria_scale": Row(scoring, get=STAFF_POST_ONLY, post=STAFF_ACTION),
    # The state-of-affairs report of a programme, as a page and as a PDF: staff only.
    "reports:report": Row(deliberation, get=STAFF),
    "reports:report_pdf": Row(deliberation, get=STAFF),
    # Partners and government involvement: staff only; the entry redirects to the latest
    # programme's partners; an empty POST re-renders its form with the errors (400).
    "partners:home": Row(none, get=STAFF_ACTION),
    "partners:list": Row(scoring, get=STAFF),
    "partners:detail": Row(partner, get=STAFF),
    "partners:contact_create": Row(
        partner, get=STAFF_POST_ONLY, post=(L, 403, 403, 403, 403, 403, 400, 400)
    ),
    "partners:contact_document": Row(partner_contact, get=STAFF),
    "partners:subsidies": Row(scoring, get=STAFF),
    "partners:report_submit": Row(
        subsidy_report, get=STAFF_POST_ONLY, post=(L, 403, 403, 403, 403, 403, 400, 400)
    ),
    "partners:trainings": Row(scoring, get=STAFF),
}


# --- Helpers -------------------------------------------------------------------------


def _patterns(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace + entry.name if entry.name else None


def url_patterns() -> dict[str, str]:
    """Every URL pattern outside the admin, by namespaced name (else by route): its route."""
    return {
        name or route: route
        for route, name in _patterns(get_resolver())
        if not route.startswith("admin/")
    }


def admin_pattern_names() -> set[str]:
    return {name for route, name in _patterns(get_resolver()) if route.startswith("admin/")}


def answer(response):
    """The status code, or L / AL / R for a redirect."""
    if response.status_code != 302:
        return response.status_code
    location = response.headers["Location"]
    if location.startswith(reverse("login") + "?next="):
        return L
    if location.startswith(reverse("admin:login") + "?next="):
        return AL
    return R


WATCHED_APPS = {
    "accounts",
    "core",
    "municipalities",
    "selection",
    "meetings",
    "portal",
    "partners",
}
REFERENCE_DATA = {Province, Arrondissement, Municipality, SDGGoal, SDGTarget}


def database_state() -> dict[str, list[tuple]]:
    """Every row of the project's tables (history and m2m tables included), reference
    data and sessions aside: equal before and after a request that wrote nothing."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in WATCHED_APPS and model not in REFERENCE_DATA
    }


def log_in(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])


# --- Tests ---------------------------------------------------------------------------


def test_every_url_pattern_has_a_row():
    patterns = url_patterns()
    missing = {key: route for key, route in patterns.items() if key not in TABLE}
    assert not missing, f"URL patterns without a row in TABLE: {missing}"
    assert set(TABLE) <= set(patterns), f"rows for no pattern: {set(TABLE) - set(patterns)}"


def test_every_row_has_an_answer_per_role():
    for name, row in TABLE.items():
        for answers in (row.get, row.post):
            assert answers is None or len(answers) == len(ROLES), name


CELLS = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, row in TABLE.items()
    for method in ("get", "post")
    if getattr(row, method) is not None
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "role"), CELLS)
def test_url_answers_role(client, world, name, method, role):
    row = TABLE[name]
    expected = dict(zip(ROLES, getattr(row, method), strict=True))[role]
    log_in(client, world, role)
    # A refused POST must not reach the write (a GET never writes in this app).
    before = database_state() if method == "post" and expected in REFUSED else None
    response = getattr(client, method)(reverse(name, kwargs=row.kwargs(world)))
    assert answer(response) == expected, (name, method, role, response.headers.get("Location"))
    if before is not None:
        assert database_state() == before, f"{role} was refused {name} but it wrote"


# --- The admin: one rule for all of its pages ----------------------------------------

# The admin site's own pages, and those it makes for each registered model.
ADMIN_SITE_NAMES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    # UserAdmin's page to set a user's password, named after contrib.auth's User.
    "auth_user_password_change",
}
ADMIN_MODEL_PAGES = {"changelist", "add", "history", "delete", "change", "simple_history"}


def test_admin_has_only_the_pages_of_the_rule():
    """A page added to the admin by hand (a ModelAdmin's get_urls) needs its own row.

    The admin's unnamed patterns are its redirect from an object's bare URL to its change
    page and the catch-all that answers 404; both pass through the same login check.
    """
    known = (
        {None}
        | {f"admin:{name}" for name in ADMIN_SITE_NAMES}
        | {
            f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
            for model in admin.site._registry
            for page in ADMIN_MODEL_PAGES
        }
        # The bulk invitation of contacts (django-import-export): upload with preview, confirm.
        | {
            "admin:municipalities_contactinvitation_import",
            "admin:municipalities_contactinvitation_process_import",
        }
        # Partners: import with a preview, confirm, export.
        | {
            "admin:partners_partner_import",
            "admin:partners_partner_process_import",
            "admin:partners_partner_export",
        }
        # Candidacies, board members, meetings: import with a preview, confirm, export;
        # contacts: export.
        | {
            f"admin:{name}_{page}"
            for name in ("selection_candidacy", "selection_boardmember", "meetings_meeting")
            for page in ("import", "process_import", "export")
        }
        | {"admin:municipalities_municipalitycontact_export"}
    )
    assert admin_pattern_names() - known == set()


ADMIN_PAGES = [
    pytest.param("admin:index", None, id="index"),
    *(
        pytest.param(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist",
            None,
            id=f"{model._meta.label}-changelist",
        )
        for model in admin.site._registry
    ),
    pytest.param(
        "admin:selection_programme_change", lambda w: [w.scoring.pk], id="programme-change"
    ),
    pytest.param("admin:municipalities_contactinvitation_import", None, id="invitation-import"),
    *(
        pytest.param(f"admin:{name}", None, id=name)
        for name in (
            "selection_candidacy_import",
            "selection_candidacy_export",
            "selection_boardmember_import",
            "selection_boardmember_export",
            "meetings_meeting_import",
            "meetings_meeting_export",
            "municipalities_municipalitycontact_export",
        )
    ),
    pytest.param(
        "admin:auth_user_password_change",
        lambda w: [w.users["member"].pk],
        id="user-password-change",
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_admin_answers_role(client, world, name, args, role):
    """Anonymous: a login page; no staff flag: the admin's login; staff without admin
    permissions: the index only; the superuser: everything."""
    log_in(client, world, role)
    response = client.get(reverse(name, args=args(world) if args else None))
    if role == "anonymous":
        assert answer(response) in {L, AL}
    elif role == "superuser":
        assert answer(response) == 200
    elif role == "staff":
        assert answer(response) == (200 if name == "admin:index" else 403)
    else:
        assert answer(response) == AL
