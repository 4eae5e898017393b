"""The state-of-affairs report: rendered for the demo programme, every key figure checked
against the database (counted here through the ORM, not through the report's selectors);
the PDF; the languages; who may open it; its snapshot choice; its query count."""

import logging
import re
import zlib
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from demo.services import CURRENT_NAME, DECIDED_NAME, demo_seed
from meetings.enums import (
    ExpectationCategory,
    Fulfilment,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import Expectation, ExpectationReview, Invitation, Meeting
from municipalities.enums import Degurba, SdgStatusLevel
from municipalities.models import Snapshot, SnapshotEntry
from municipalities.services.snapshots import snapshot_take
from reports.pdf import BASE_URL, html_to_document, static_path
from selection.enums import CandidacyState, Outcome, Vote
from selection.models import Candidacy, DecisionVote, Programme, SelectionRun
from selection.selectors.decisions import current_decision
from selection.services.decision import decision_confirm, decision_record
from selection.services.proposal import selection_run
from tests.factories import (
    BoardMemberFactory,
    MunicipalityContactFactory,
    UserFactory,
    scored_programme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo for the module, rolled back after its last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = demo_seed(password="demo-pass-123")
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def decided(demo):
    return Programme.objects.get(name=DECIDED_NAME)


@pytest.fixture
def staff(demo):
    return UserFactory(is_staff=True, password=None)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _url(programme, name="reports:report"):
    return reverse(name, args=[programme.pk])


@pytest.fixture
def page(staff_client, decided):
    with translation.override("en"):
        response = staff_client.get(_url(decided), {"lang": "en"})
    assert response.status_code == 200
    return response


# --- Section 2: the selection, against the database ------------------------------------


def test_report_counts_the_groups_as_the_database_holds_them(page, decided):
    report = page.context["report"]
    submitted = Candidacy.objects.filter(programme=decided, state=CandidacyState.SUBMITTED)
    assert report.selection.totals == {
        "candidates": submitted.count(),
        "pilot": submitted.filter(outcome=Outcome.PILOT).count(),
        "outreach": submitted.filter(outcome=Outcome.OUTREACH).count(),
    }
    assert report.selection.totals == {"candidates": 50, "pilot": 20, "outreach": 30}
    html = page.content.decode()
    assert (
        "50 municipalities applied; 20 are in the pilot group and 30 in the outreach group." in html
    )


def _table(report, attribute):
    table = next(t for t in report.selection.facts if t.attribute == attribute)
    return {row.label: (row.candidates, row.pilot, row.outreach) for row in table.rows}


def _orm_counts(programme, field, labels=None):
    """Per value of `field` (an ORM path), the count among candidates, pilots, outreach."""
    submitted = Candidacy.objects.filter(programme=programme, state=CandidacyState.SUBMITTED)
    out = {}
    for key, qs in (
        ("candidates", submitted),
        ("pilot", submitted.filter(outcome=Outcome.PILOT)),
        ("outreach", submitted.filter(outcome=Outcome.OUTREACH)),
    ):
        out[key] = Counter(qs.values_list(field, flat=True))
    values = set(out["candidates"])
    label = labels or (lambda v: v)
    return {label(v): (out["candidates"][v], out["pilot"][v], out["outreach"][v]) for v in values}


def test_report_counts_per_province_match_the_database(page, decided):
    report = page.context["report"]
    expected = _orm_counts(decided, "municipality__province__name")
    assert _table(report, "province") == expected
    assert sum(pilot for _c, pilot, _o in expected.values()) == 20
    assert set(expected) == {
        "Antwerpen",
        "Limburg",
        "Oost-Vlaanderen",
        "Vlaams-Brabant",
        "West-Vlaanderen",
    }


def test_report_counts_per_urbanisation_sdg_status_and_size_match_the_database(page, decided):
    report = page.context["report"]
    with translation.override("en"):
        degurba = _orm_counts(decided, "municipality__degurba", lambda v: str(Degurba(v).label))
        assert {k: v for k, v in _table(report, "degurba").items() if v[0]} == degurba
        status = _orm_counts(decided, "sdg_status", lambda v: str(SdgStatusLevel(v).label))
        assert {k: v for k, v in _table(report, "sdg_status").items() if v[0]} == status
    sizes = Counter()
    for candidacy in Candidacy.objects.filter(programme=decided).select_related("municipality"):
        sizes[decided.size_class(candidacy.municipality.population_2018), candidacy.outcome] += 1
    table = _table(report, "size_class")
    assert table["Small"] == (
        sizes["small", "pilot"] + sizes["small", "outreach"],
        sizes["small", "pilot"],
        sizes["small", "outreach"],
    )
    assert sum(row[0] for row in table.values()) == 50


@pytest.mark.parametrize(
    ("attribute", "field"),
    [
        ("twinning", "has_twinning"),
        ("flemish_subsidy", "flemish_gos_subsidy"),
        ("federal_subsidy", "federal_subsidy"),
    ],
)
def test_report_counts_twinning_and_subsidies_match_the_database(page, decided, attribute, field):
    expected = _orm_counts(decided, field, lambda v: "yes" if v else "no")
    assert _table(page.context["report"], attribute) == {
        label: expected.get(key, (0, 0, 0)) for key, label in (("yes", "yes"), ("no", "no"))
    }


def test_report_criteria_and_quotas_are_the_programmes(page, decided):
    selection = page.context["report"].selection
    judgement = decided.criteria.filter(kind="judgement").order_by("position", "pk")
    assert [c.name for c in selection.judgement] == [c.name for c in judgement]
    diversity = decided.criteria.filter(kind="diversity")
    assert sorted(c.name for c in selection.diversity) == sorted(c.name for c in diversity)
    quotas = sum(len(c.quotas) for c in selection.diversity)
    assert quotas == sum(c.quotas.count() for c in diversity)
    html = page.content.decode()
    for criterion in diversity:
        assert escape(criterion.name) in html


def test_report_price_of_diversity_is_the_stored_run(page, decided):
    decision = current_decision(programme=decided)
    run = decision.run
    summary = page.context["report"].selection.run
    assert summary.run == run
    assert summary.price_of_diversity == run.result["price_of_diversity"]
    assert summary.objective == run.result["objective"]
    assert summary.top_n_objective == run.result["top_n_objective"]
    assert len(summary.binding) == len(run.result["binding"])
    html = page.content.decode()
    price = f"{run.result['price_of_diversity']:.2f}"
    assert re.search(r'id="report-price-value">' + re.escape(price) + "<", html)
    assert f"run #{run.pk}" in html
    share = 100 * run.result["price_of_diversity"] / run.result["top_n_objective"]
    assert summary.price_share == pytest.approx(share)
    assert f'id="report-price-share">{share:.1f} %<' in html


def test_report_decision_votes_rule_and_hash_are_the_proces_verbaals(page, staff_client, decided):
    decision = current_decision(programme=decided)
    selection = page.context["report"].selection
    assert selection.decision == decision
    votes_for = DecisionVote.objects.filter(decision=decision, present=True, vote=Vote.FOR).count()
    assert votes_for == 12
    assert selection.decision_report.vote_counts["For"] == votes_for
    assert selection.decision_report.tally.carried
    html = page.content.decode()
    assert "Decision rule: Unanimity of the members present." in html
    assert "For: 12 · Against: 0 · Abstain: 0." in html
    assert "The decision is unanimous." in html
    # The hash is the one the proces-verbaal prints, and the one stored on confirmation.
    assert decision.scores_hash
    assert f'id="report-hash">{decision.scores_hash}<' in html
    record = staff_client.get(reverse("selection:decision_record", args=[decision.pk]))
    assert f'id="pv-hash">{decision.scores_hash}<' in record.content.decode()


def test_report_states_its_date_and_sources(page, decided):
    report = page.context["report"]
    html = page.content.decode()
    decision = current_decision(programme=decided)
    first = Snapshot.objects.order_by("taken_at", "pk").first()
    last = Snapshot.objects.order_by("taken_at", "pk").last()
    assert (report.status.a, report.status.b) == (first, last)
    assert first != last
    assert f"“{first.label}”" in html and f"“{last.label}”" in html
    assert f"decision #{decision.pk} of the board's meeting of 2 May 2017" in html
    today = timezone.localdate().strftime("%-d %B %Y")
    assert re.search(r'id="report-date">' + re.escape(today), html)


# --- Sections 1 and 3 ---------------------------------------------------------------------


@pytest.fixture
def current_page(staff_client, demo):
    programme = Programme.objects.get(name=CURRENT_NAME)
    with translation.override("en"):
        response = staff_client.get(_url(programme), {"lang": "en"})
    assert response.status_code == 200
    return response


def test_report_of_the_current_programme_says_what_is_not_there_yet(current_page):
    """2026-2028 is still being scored: section 1 has its partners, contacts and subsidy;
    sections 2 and 3 say why they are short, and the SDG status of 2017-2019 is not shown
    as its own."""
    report = current_page.context["report"]
    html = current_page.content.decode()
    assert report.involvement.partners and report.involvement.contacts
    assert 'id="report-partners"' in html and 'id="report-contacts"' in html
    assert "not yet due" in html
    assert "The board has not yet chosen the pilot group of this programme" in html
    assert report.selection.totals["pilot"] == report.selection.totals["outreach"] == 0
    candidates = report.selection.totals["candidates"]
    assert f"{candidates} municipalities applied. The pilot group has not been chosen" in html
    facts = re.search(r'id="facts-province">.*?</table>', html, re.S).group(0)
    assert "Candidates" in facts and "Pilot group" not in facts
    assert "The optimiser has not yet been run for this programme" in html
    assert "No meeting of this programme has been held yet." in html
    assert (report.status.a, report.status.b) == (None, None)
    latest = Snapshot.objects.order_by("taken_at", "pk").last()
    assert report.status.latest == latest
    assert 'id="report-no-snapshot"' in html and f"“{escape(latest.label)}”" in html
    assert 'id="report-tracks"' not in html


def test_report_lists_the_meetings_held_with_their_attendance(page, decided):
    held = Meeting.objects.filter(
        programme=decided, status=MeetingStatus.PUBLISHED, ends_at__lt=timezone.now()
    )
    report = page.context["report"]
    assert [m.pk for m in report.meetings.held] == list(
        held.order_by("starts_at", "pk").values_list("pk", flat=True)
    )
    first = report.meetings.held[0]
    assert first.attended_count == Invitation.objects.filter(meeting=first, attended=True).count()
    assert first.invited_count == Invitation.objects.filter(meeting=first, active=True).count()


def test_report_follows_the_expectations_over_time(page, decided):
    meetings = page.context["report"].meetings
    expectations = Expectation.objects.filter(meeting__programme=decided)
    assert len(meetings.expectations) == expectations.count() == 2
    reviews = ExpectationReview.objects.filter(expectation__meeting__programme=decided)
    assert sum(row.total for row in meetings.fulfilment) == reviews.count()
    for row in meetings.fulfilment:
        at = reviews.filter(meeting=row.meeting)
        assert (row.met, row.partly, row.not_met) == (
            at.filter(fulfilment=Fulfilment.MET).count(),
            at.filter(fulfilment=Fulfilment.PARTLY).count(),
            at.filter(fulfilment=Fulfilment.NOT_MET).count(),
        )
    html = page.content.decode()
    for expectation in expectations:
        assert escape(expectation.text) in html


def test_report_compares_the_sdg_status_per_group_and_shows_the_map(page, decided):
    status = page.context["report"].status
    pilot = next(g for g in status.comparison.groups if g.key == "pilot")
    pilots = Candidacy.objects.filter(programme=decided, outcome=Outcome.PILOT)
    in_b = SnapshotEntry.objects.filter(
        snapshot=status.b, municipality_id__in=pilots.values("municipality_id")
    )
    assert pilot.b.count == in_b.count() == 20
    legend = {entry.css: entry.count for entry in status.map.legend}
    assert legend["group-pilot"] == 20 and legend["group-outreach"] == 30
    html = page.content.decode()
    assert 'class="status-map-svg"' in html
    assert "SDG 7" in html


def test_report_shows_the_government_involvement(page, decided):
    from partners.models import Partner

    involvement = page.context["report"].involvement
    active = Partner.objects.filter(programme=decided, active=True)
    assert len(involvement.partners) == active.count()
    html = page.content.decode()
    for partner in active:
        assert escape(partner.name) in html


# --- The chosen snapshots ------------------------------------------------------------------


def test_report_compares_the_chosen_snapshots(staff_client, decided):
    ordered = list(Snapshot.objects.order_by("taken_at", "pk"))
    a, b = ordered[1], ordered[2]
    response = staff_client.get(_url(decided), {"a": a.pk, "b": b.pk})
    status = response.context["report"].status
    assert (status.a, status.b) == (a, b)
    assert f"a={a.pk}" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"a": "99999999999999999999999", "b": "-1"},
        {"a": "abc", "b": "\x00"},
        {"a": "999999"},
        {"a": ["x", "y"], "b": "", "lang": "xx"},
    ],
)
def test_report_with_bad_snapshot_parameters_falls_back_to_first_and_last(
    staff_client, decided, query
):
    response = staff_client.get(_url(decided), query)
    assert response.status_code == 200
    status = response.context["report"].status
    ordered = Snapshot.objects.order_by("taken_at", "pk")
    assert (status.a, status.b) == (ordered.first(), ordered.last())


# --- The PDF --------------------------------------------------------------------------------


def _pdf_streams(pdf: bytes):
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            continue


def _pdf_title(pdf: bytes) -> str:
    """The document title WeasyPrint writes into the PDF's information dictionary (inside a
    compressed object stream, as UTF-16)."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        title = re.search(rb"/Title\s*<([0-9A-Fa-f]+)>", data)
        if title:
            return bytes.fromhex(title.group(1).decode()).decode("utf-16")
    return ""


def test_report_pdf_is_a_pdf_with_the_programme_name(staff_client, decided, monkeypatch):
    from reports import pdf

    fetched = []
    read = pdf._read

    def recording(url):
        fetched.append(url)
        return read(url)

    monkeypatch.setattr(pdf, "_read", recording)
    response = staff_client.get(_url(decided, "reports:report_pdf"), {"lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sdg-proeftraject-2017-2019-'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert _pdf_title(pdf) == f"State of affairs · {decided.name}"
    # The map is drawn in the colours of the page: the pilot group's blue (#0072b2).
    assert any(re.search(rb"0 0\.447\d* 0\.698\d* rg", data) for data in _pdf_streams(pdf))
    # The stylesheets and the bundled fonts come from the static files, nothing else.
    assert BASE_URL + "static/reports/fonts/DejaVuSans.ttf" in fetched
    assert BASE_URL + "static/reports/fonts/DejaVuSans-Bold.ttf" in fetched
    assert all(url.startswith(BASE_URL + "static/") for url in fetched)


def test_report_pdf_pages_hold_the_report(staff_client, decided, rf, staff, caplog):
    """The same template WeasyPrint renders, laid out: its text holds the figures."""
    from reports.views import _context, pdf_context

    request = rf.get(_url(decided, "reports:report_pdf"))
    request.user = staff
    with translation.override("en"):
        context = _context(request, decided.pk)
        html = render_to_string("reports/report_pdf.html", pdf_context(context), request)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = html_to_document(html)
    # Every stylesheet, font and SVG (the map) was read and drawn: nothing was skipped.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    assert len(document.pages) >= 3

    def texts(box):
        if getattr(box, "text", None):
            yield box.text
        for child in getattr(box, "children", None) or []:
            yield from texts(child)

    words = " ".join(t for page in document.pages for t in texts(page._page_box))
    assert decided.name in words
    assert "Price of diversity" in words
    assert context["report"].selection.decision_report.scores_hash[:16] in words.replace(" ", "")


def test_report_pdf_in_dutch_by_default(client, decided, staff):
    client.force_login(staff)
    response = client.get(_url(decided, "reports:report_pdf"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-nl.pdf"')


def test_report_in_english_and_in_dutch(staff_client, decided):
    english = staff_client.get(_url(decided), {"lang": "en"}).content.decode()
    dutch = staff_client.get(_url(decided), {"lang": "nl"}).content.decode()
    assert "Price of diversity" in english and "Prijs van diversiteit" not in english
    assert "Prijs van diversiteit" in dutch and "Price of diversity" not in dutch
    assert '<html lang="en">' in english and '<html lang="nl">' in dutch


# --- Who may open it ----------------------------------------------------------------------


def test_report_of_an_unknown_programme_is_404(staff_client, decided):
    missing = Programme.objects.order_by("-pk").first().pk + 1000
    for name in ("reports:report", "reports:report_pdf"):
        assert staff_client.get(reverse(name, args=[missing])).status_code == 404


@pytest.mark.parametrize("name", ["reports:report", "reports:report_pdf"])
def test_report_is_refused_to_a_contact_and_a_board_member(client, decided, name):
    contact = MunicipalityContactFactory(
        municipality=decided.candidacies.first().municipality, user__password=None
    )
    member = BoardMemberFactory(programme=decided, user__password=None)
    for user in (contact.user, member.user):
        client.force_login(user)
        assert client.get(_url(decided, name)).status_code == 403
    client.logout()
    response = client.get(_url(decided, name))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_report_reads_never_solve(staff_client, decided, monkeypatch):
    from selection import optimiser

    def refuse(*args, **kwargs):
        raise AssertionError("a read must not solve")

    monkeypatch.setattr(optimiser, "solve", refuse)
    runs = SelectionRun.objects.count()
    assert staff_client.get(_url(decided)).status_code == 200
    assert SelectionRun.objects.count() == runs


# --- The PDF renderer reads static files only -----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/static/reports/report.css",
        "file:///etc/passwd",
        BASE_URL + "etc/passwd",
        BASE_URL + "static/../manage.py",
        BASE_URL + "static/reports/../../manage.py",
        BASE_URL + "static/",
        "data:text/css,body{}",
    ],
)
def test_pdf_renderer_refuses_what_is_not_a_static_file(url):
    assert static_path(url) is None


def test_pdf_renderer_finds_the_bundled_fonts():
    path = static_path(BASE_URL + "static/reports/fonts/DejaVuSans.ttf")
    assert path is not None and path.endswith("DejaVuSans.ttf")


# --- Constant query count -------------------------------------------------------------------


def _programme_with_meetings(size: int, staff):
    """A decided programme of 5 x `size` candidacies, `size` meetings held (each with an
    expectation reviewed at the next one) and two snapshots."""
    programme = scored_programme(per_province=size, size=size + 2, members=2)
    run = selection_run(programme=programme, actor=staff)
    decision = decision_record(
        run=run,
        meeting_date=date(2017, 5, 2),
        meeting_location="Brussel",
        quorum=1,
        votes={m.pk: (True, Vote.FOR) for m in programme.board_members.all()},
        actor=staff,
    )
    decision_confirm(decision=decision, actor=staff)
    start = timezone.now() - timedelta(days=100)
    meetings = []
    for k in range(size):
        when = start + timedelta(days=10 * k)
        meetings.append(
            Meeting.objects.create(
                programme=programme,
                kind=MeetingKind.PILOT_MEETING,
                title=f"Bijeenkomst {k}",
                starts_at=when,
                ends_at=when + timedelta(hours=2),
                status=MeetingStatus.PUBLISHED,
                published_at=when,
            )
        )
    for k, meeting in enumerate(meetings[:-1]):
        expectation = Expectation.objects.create(
            meeting=meeting, category=ExpectationCategory.POLICY, text=f"Verwachting {k}"
        )
        ExpectationReview.objects.create(
            expectation=expectation, meeting=meetings[k + 1], fulfilment=Fulfilment.PARTLY
        )
    snapshot_take(label="Eerste", actor=staff)
    snapshot_take(label="Tweede", actor=staff)
    return programme


def test_report_query_count_does_not_grow_with_the_data(
    client, reference_data, django_assert_num_queries
):
    staff = UserFactory(is_staff=True, password=None)
    client.force_login(staff)
    small = _programme_with_meetings(4, staff)
    large = _programme_with_meetings(10, staff)
    client.get(_url(small))  # warm the caches (content types, map shapes, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert client.get(_url(small)).status_code == 200
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(_url(large)).status_code == 200


def test_pdf_renderer_never_fetches_outside_the_static_files(monkeypatch):
    """An image or stylesheet pointing elsewhere is refused before any request is made."""
    import urllib.request

    from reports import pdf

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF renderer must not open a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    asked, refused = [], []
    read = pdf._read

    def recording(url):
        asked.append(url)
        try:
            return read(url)
        except ValueError:
            refused.append(url)
            raise

    monkeypatch.setattr(pdf, "_read", recording)
    document = html_to_document(
        '<link rel="stylesheet" href="https://evil.example/x.css">'
        '<img src="file:///etc/passwd"><img src="/static/../manage.py"><p>Gent</p>'
    )
    assert len(document.pages) == 1
    assert refused == asked
    assert "https://evil.example/x.css" in asked and "file:///etc/passwd" in asked


def test_report_of_an_out_of_range_programme_id_is_404(staff_client, decided):
    url = reverse("reports:report", args=[decided.pk]).replace(
        f"/{decided.pk}/", "/99999999999999999999999/"
    )
    assert staff_client.get(url).status_code == 404
