"""axe-core on every page of the three role journeys, in Chromium: no serious or critical
violation on any page a board member, a municipality contact or VVSG staff open.

axe-core is vendored under tests/browser/vendor/axe-core/ for these tests only (the site never
serves it). The site's Content-Security-Policy would refuse the injected script, so the test
context bypasses it; the pages are checked as they are served otherwise.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from demo.services import demo_seed
from meetings.enums import MeetingAudience, MeetingKind
from meetings.links import answer_token, opt_out_token
from meetings.models import Invitation, Meeting
from meetings.services import meeting_create, meeting_publish
from municipalities.enums import Track
from municipalities.models import Municipality, Snapshot
from municipalities.services.invitations import invitation_create
from partners.enums import PartnerKind
from partners.models import Partner
from partners.services import partner_create
from selection.enums import ConflictType, Outcome, ProgrammePhase
from selection.models import BoardMember, Candidacy, Decision
from selection.services.programme import programme_set_phase
from selection.services.proposal import selection_run
from selection.services.public import programme_publish_page
from selection.services.scoring import conflict_declare
from tests.browser.helpers import log_in
from tests.factories import ProgrammeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(
    encoding="utf-8"
)
FAILING_IMPACTS = ("serious", "critical")
VIEWPORT = {"width": 1280, "height": 800}

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(" ")),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """The serious and critical axe-core violations of the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in FAILING_IMPACTS]


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"{url}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {target}" for target in violation["targets"][:10])
    return "\n".join(lines)


def assert_accessible(page):
    """Fail with each serious or critical violation's rule, targets and the page's URL."""
    violations = axe_violations(page)
    assert not violations, describe(page.url, violations)


def check_pages(page, live_server, urls: list[str]) -> dict[str, str]:
    """Open each URL, run axe-core and gather the failures (all pages, then one assert)."""
    failures = {}
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, f"{url} answered {response.status}"
        violations = axe_violations(page)
        if violations:
            failures[url] = describe(page.url, violations)
    return failures


def check_current(page, failures: dict[str, str], label: str):
    """Run axe-core on the page as it is now (e.g. a form shown again with its errors)."""
    violations = axe_violations(page)
    if violations:
        failures[label] = describe(f"{page.url} ({label})", violations)


@pytest.fixture
def axe_page(browser):
    """A desktop page whose context ignores the CSP, so axe-core can be injected."""
    context = browser.new_context(viewport=VIEWPORT, locale="nl-BE", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(reference_data, password):
    return demo_seed(password=password)


def urls(*entries: tuple[str, dict]) -> list[str]:
    """The paths of (URL name, kwargs) pairs; a name that no longer resolves fails."""
    return [reverse(name, kwargs=kwargs) for name, kwargs in entries]


def staff_user():
    return get_user_model().objects.get(email="staff@example.org")


def pilot_meeting(demo):
    """A coming meeting of the 2017-2019 programme's pilot group, published, so its
    contacts have an invitation to answer."""
    staff = staff_user()
    start = timezone.now() + timedelta(days=14)
    meeting = meeting_create(
        actor=staff,
        programme=demo.programme,
        kind=MeetingKind.PILOT_MEETING,
        title="Werksessie meerjarenplan",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="VVSG, Brussel",
        audience=MeetingAudience.PILOT,
    )
    return meeting_publish(meeting=meeting, actor=staff)


def assert_no_failures(failures: dict[str, str]):
    assert not failures, "\n".join(failures.values())


def test_a11y_anonymous_pages(demo, axe_page, live_server):
    """The login-free pages a person of any role passes through."""
    staff = staff_user()
    programme_publish_page(actor=staff, programme=demo.programme, public=True)
    _, token = invitation_create(
        municipality=Municipality.objects.get(pk="44021"),
        email="nieuw@gent.be",
        first_name="An",
        last_name="Peeters",
        actor=staff,
    )
    assert_no_failures(
        check_pages(
            axe_page,
            live_server,
            urls(
                ("login", {}),
                ("password_reset", {}),
                ("password_reset_done", {}),
                ("password_reset_complete", {}),
                ("portal:invitation_accept", {"token": token}),
                ("portal:public_page", {"pk": demo.programme.pk}),
            ),
        )
    )


def test_a11y_board_member_pages(demo, axe_page, live_server, password):
    page = axe_page
    member = BoardMember.objects.get(programme=demo.current, user__email="board01@example.org")
    first, second = Candidacy.objects.filter(programme=demo.current).order_by("pk")[:2]
    conflict_declare(
        member=member, candidacy=second, conflict_type=ConflictType.NONE, note="", actor=member.user
    )
    log_in(page, live_server, member.user.email, password)
    failures = check_pages(
        page,
        live_server,
        urls(
            ("selection:board_home", {}),
            ("selection:board_declare", {"pk": first.pk}),
            ("selection:board_dossier", {"pk": second.pk}),
            ("meetings:my_meetings", {}),
            ("meetings:calendar", {}),
            ("meetings:opt_out", {"token": opt_out_token(member.user)}),
        ),
    )
    # The declaration shown again with its error: "other" without a note.
    page.goto(live_server.url + reverse("selection:board_declare", kwargs={"pk": first.pk}))
    page.check("input[name=conflict_type][value=other]")
    page.click("#conflict-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").count() == 1
    check_current(page, failures, "declaration with an error")
    assert_no_failures(failures)


def test_a11y_contact_pages(demo, axe_page, live_server, password):
    page = axe_page
    meeting = pilot_meeting(demo)
    invitation = Invitation.objects.filter(meeting=meeting).select_related("user").first()
    nis = invitation.municipality_id
    call = ProgrammeFactory(
        phase=ProgrammePhase.APPLICATIONS, call_closes_at=timezone.now() + timedelta(days=30)
    )
    log_in(page, live_server, invitation.user.email, password)
    page.goto(live_server.url + reverse("portal:actions", kwargs={"nis_code": nis}))
    # One of the awareness actions the demo recorded for the municipality.
    action_url = page.locator("a.fw-semibold[href*='/actions/']").first.get_attribute("href")
    assert action_url.startswith(f"/municipalities/{nis}/actions/")
    failures = check_pages(
        page,
        live_server,
        [
            action_url,
            *urls(
                ("portal:home", {"nis_code": nis}),
                *[("portal:assessment", {"nis_code": nis, "track": t}) for t in Track.values],
                ("portal:goals", {"nis_code": nis}),
                ("portal:goal", {"nis_code": nis, "number": 7}),
                ("portal:milestones", {"nis_code": nis}),
                ("portal:actions", {"nis_code": nis}),
                ("portal:history", {"nis_code": nis}),
                ("selection:my_candidacy", {}),
                ("meetings:my_meetings", {}),
                ("meetings:calendar", {}),
                ("meetings:opt_out", {"token": opt_out_token(invitation.user)}),
                ("meetings:answer_link", {"token": answer_token(invitation, "yes")}),
                ("selection:apply", {"programme_pk": call.pk}),
            ),
        ],
    )
    # The SDG form shown again with its error: a link that is no web address.
    page.goto(live_server.url + reverse("portal:goal", kwargs={"nis_code": nis, "number": 7}))
    page.fill("textarea[name=links]", "not a web address")
    page.click("button[name=save]")
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").count() == 1
    check_current(page, failures, "SDG form with an error")
    assert_no_failures(failures)


def test_a11y_staff_pages(demo, axe_page, live_server, password):
    page = axe_page
    staff = staff_user()
    decided = demo.programme
    current = programme_set_phase(
        programme=demo.current, phase=ProgrammePhase.DELIBERATION, actor=staff
    )
    run = selection_run(programme=current, actor=staff)
    decision = Decision.objects.filter(run__programme=decided).latest("pk")
    meeting = Meeting.objects.filter(programme=decided).order_by("starts_at").first()
    partner = Partner.objects.filter(programme=decided).first() or partner_create(
        actor=staff,
        programme=decided,
        name="Agentschap Binnenlands Bestuur",
        kind=PartnerKind.GOVERNMENT,
    )
    nis = Candidacy.objects.filter(programme=decided, outcome=Outcome.PILOT)[0].municipality_id
    snapshots = Snapshot.objects.order_by("taken_at", "pk")
    log_in(page, live_server, staff.email, password)
    compare = reverse("portal:compare")
    failures = check_pages(
        page,
        live_server,
        [
            f"{compare}?a={snapshots.first().pk}&b={snapshots.last().pk}&programme={decided.pk}",
            *urls(
                ("portal:dashboard", {}),
                ("selection:programme_overview", {}),
                ("selection:programme_detail", {"programme_pk": current.pk}),
                ("selection:programme_detail", {"programme_pk": decided.pk}),
                ("selection:import_candidacies", {"programme_pk": current.pk}),
                ("selection:ranking", {"programme_pk": current.pk}),
                ("selection:agreement", {"programme_pk": current.pk}),
                ("selection:progress", {"programme_pk": current.pk}),
                ("selection:proposal", {"programme_pk": current.pk}),
                ("selection:run_detail", {"pk": run.pk}),
                ("selection:decision_create", {"pk": run.pk}),
                ("selection:decision_detail", {"pk": decision.pk}),
                ("selection:decision_record", {"pk": decision.pk}),
                ("reports:report", {"programme_pk": decided.pk}),
                ("partners:home", {}),
                ("partners:list", {"programme_pk": decided.pk}),
                ("partners:detail", {"programme_pk": decided.pk, "pk": partner.pk}),
                ("partners:subsidies", {"programme_pk": decided.pk}),
                ("partners:trainings", {"programme_pk": decided.pk}),
                ("meetings:list", {}),
                ("meetings:create", {}),
                ("meetings:detail", {"pk": meeting.pk}),
                ("meetings:edit", {"pk": meeting.pk}),
                ("meetings:attendance", {"pk": meeting.pk}),
                ("meetings:expectations", {"pk": meeting.pk}),
                ("meetings:reminders", {}),
                ("portal:heatmap", {}),
                ("portal:map", {}),
                ("portal:snapshots", {}),
                ("portal:compare", {}),
                ("portal:home", {"nis_code": nis}),
                ("portal:history", {"nis_code": nis}),
                ("meetings:agenda", {"pk": meeting.pk}),
                ("reports:report", {"programme_pk": current.pk}),
                ("selection:criteria", {"programme_pk": current.pk}),
                ("selection:board_staff", {"programme_pk": current.pk}),
                ("selection:board_staff_add", {"programme_pk": current.pk}),
                ("portal:contacts", {}),
                ("portal:contact_invite", {}),
            ),
        ],
    )
    # The decision form shown again with its errors: sent empty.
    page.goto(live_server.url + reverse("selection:decision_create", kwargs={"pk": run.pk}))
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").count() >= 1
    check_current(page, failures, "decision form with errors")
    assert_no_failures(failures)


def test_a11y_admin_pages(demo, axe_page, live_server, password):
    """The administration staff work in: its start page, and the list and the edit form
    of every registered model (the first object of each in the demo)."""
    from django.contrib import admin

    page = axe_page
    log_in(page, live_server, staff_user().email, password)
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths.append(reverse(f"{info}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse(f"{info}_change", args=[first.pk]))
    assert len(paths) > 60
    assert_no_failures(check_pages(page, live_server, paths))
