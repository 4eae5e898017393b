"""Issue 3's "Done when", tried in Chromium as a new user would, on the demo programme.

A board member scores on a phone, staff rank, run the optimiser, record and confirm a
unanimous decision and read the proces-verbaal, and the command line reproduces the web
proposal from the exported JSON.
"""

import csv
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from demo.services import demo_seed
from selection.enums import CriterionKind, ProgrammePhase
from selection.models import BoardMember, Candidacy, SelectionRun
from selection.services.programme import programme_set_phase
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def demo(reference_data, password):
    return demo_seed(password=password)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    yield page
    context.close()


def board_links(page):
    """(candidacy pk, municipality name, status) of the member's list, in the member's order."""
    rows = []
    # The current programme's section comes first; the decided 2017 one follows.
    for link in page.locator("section").first.locator("a.board-candidacy").all():
        pk = int(re.search(r"/board/candidacies/(\d+)/", link.get_attribute("href")).group(1))
        name = link.locator(".fw-semibold").inner_text()
        rows.append((pk, name, link.get_attribute("data-status")))
    return rows


def progress_label(page):
    return page.locator(".board-progress-wrap label").first.inner_text()


def test_browser_board_member_declares_and_scores_on_a_phone(demo, phone, live_server, password):
    page = phone
    log_in(page, live_server, "board01@example.org", password)

    # Lands on "My candidates": nothing scored, no conflict yet.
    assert page.url == live_server.url + "/board/"
    assert progress_label(page) == "0 / 50 beoordeeld"
    links = board_links(page)
    assert len(links) == 50
    assert {status for _, _, status in links} == {"todo"}
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    (a_pk, a_name, _), (b_pk, b_name, _), (c_pk, c_name, _) = links[:3]

    # Opening a dossier first asks for the declaration.
    page.locator("a.board-candidacy").first.click()
    page.wait_for_load_state()
    assert page.url == live_server.url + f"/board/candidacies/{a_pk}/declare/"
    assert a_name in page.locator("h1").inner_text()
    assert page.locator("#conflict-note").is_hidden()
    page.check("input[name=conflict_type][value=employment]")
    assert page.locator("#conflict-note").is_visible()
    page.fill("#id_note", "Ik werkte tot vorig jaar bij de milieudienst van deze gemeente.")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.click("#conflict-form button[type=submit]")
    page.wait_for_load_state()

    # A shows as conflicted; its dossier no longer opens.
    assert page.url == live_server.url + "/board/"
    assert f"Uw belangenconflict voor {a_name} is genoteerd." in page.locator(".alert").inner_text()
    assert progress_label(page) == "0 / 49 beoordeeld"
    a_link = page.locator(f"a.board-candidacy[href='/board/candidacies/{a_pk}/declare/']")
    assert a_link.get_attribute("data-status") == "conflicted"
    assert a_link.locator(".badge").inner_text() == "Belangenconflict gemeld"
    dossier = page.request.get(live_server.url + f"/board/candidacies/{a_pk}/")
    assert dossier.status == 404
    assert a_name not in dossier.text()
    page.goto(live_server.url + "/board/?show=conflicted")
    assert [name for _, name, _ in board_links(page)] == [a_name]

    # B: no conflict, then the dossier with one row of labelled choices per criterion.
    page.goto(live_server.url + f"/board/candidacies/{b_pk}/")
    assert page.url == live_server.url + f"/board/candidacies/{b_pk}/declare/"
    page.check("input[name=conflict_type][value=none]")
    page.click("#conflict-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live_server.url + f"/board/candidacies/{b_pk}/"
    assert page.locator("h1").inner_text() == b_name
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    criteria = demo.current.criteria.filter(kind=CriterionKind.JUDGEMENT).count()
    rows = page.locator("fieldset.board-score")
    assert rows.count() == criteria == 3
    for index in range(criteria):
        # Six labelled choices: 1 to 5 and "not applicable"; tap "4 – ...".
        labels = rows.nth(index).locator("label")
        assert labels.count() == 6
        assert labels.nth(3).inner_text().startswith("4 – ")
        labels.nth(3).click()
        assert rows.nth(index).locator("input[value='4']").is_checked()
    page.fill("#id_comment", "Sterke motivatie, duidelijke link met het meerjarenplan.")
    page.click("button[value=submit_next]")
    page.wait_for_load_state()

    # "Submit and next" opens the next to-do in the member's order: C (declaration first).
    assert page.url == live_server.url + f"/board/candidacies/{c_pk}/declare/"
    assert c_name in page.locator("h1").inner_text()
    assert f"Beoordeling van {b_name} ingediend." in page.locator(".alert").first.inner_text()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    page.goto(live_server.url + "/board/")
    assert progress_label(page) == "1 / 49 beoordeeld"
    assert page.locator("progress.board-progress").first.get_attribute("value") == "1"
    statuses = {pk: status for pk, _, status in board_links(page)}
    assert statuses[a_pk] == "conflicted"
    assert statuses[b_pk] == "done"
    assert sum(1 for status in statuses.values() if status == "todo") == 48
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert page.console_errors == []


def score_cells(page):
    cells = page.locator("table.ranking-table tbody tr td.fw-semibold").all_inner_texts()
    return [float(text.replace(",", ".")) for text in cells]


def run_optimiser(page, live_server, programme):
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/proposal/")
    page.click("#run-form [name=run]")
    page.wait_for_load_state()
    run = SelectionRun.objects.latest("created_at")
    assert page.url == live_server.url + f"/staff/runs/{run.pk}/"
    return run


def test_browser_staff_ranks_runs_and_records_a_unanimous_decision(
    demo, page, live_server, password
):
    programme = demo.current
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "staff@example.org", password)
    assert page.url == live_server.url + "/staff/dashboard/"

    # The 2026 programme is being scored: staff close the scoring from its page.
    page.goto(live_server.url + f"/staff/programmes/{programme.pk}/")
    page.click("#phase-forward button")
    page.wait_for_load_state()
    assert "Beraadslaging" in page.locator("#current-phase").inner_text()
    page.goto(live_server.url + "/staff/")

    # Ranking: 50 rows, the best score first.
    page.click(f"a[href='/staff/programmes/{programme.pk}/ranking/']")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Rangschikking"
    scores = score_cells(page)
    assert len(scores) == 50
    assert scores[0] == max(scores)
    assert scores == sorted(scores, reverse=True)

    # z-scores: the same 50, ranked on the normalised score.
    toggle = page.locator("[role=group] a[href='?method=zscore']")
    toggle.click()
    page.wait_for_load_state()
    assert page.url.endswith("/ranking/?method=zscore")
    assert toggle.get_attribute("aria-current") == "true"
    z_scores = score_cells(page)
    assert len(z_scores) == 50
    assert z_scores[0] == max(z_scores)
    assert z_scores != scores

    with page.expect_download() as download_info:
        page.click(f"a[href^='/staff/programmes/{programme.pk}/ranking.csv']")
    download = download_info.value
    assert download.suggested_filename.endswith("-zscore.csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == 51
    header, *rows = csv.reader(lines, delimiter=";")
    assert header[:3] == ["Rang", "NIS-code", "Gemeente"]
    names = {c.municipality.name for c in Candidacy.objects.filter(programme=programme)}
    assert {row[2] for row in rows} == names

    # The proposal: exactly 20, each with a reason in Dutch.
    run = run_optimiser(page, live_server, programme)
    assert run.status == "optimal"
    assert run.input["quotas"]
    selected_rows = page.locator("#selected tbody tr")
    assert selected_rows.count() == 20
    assert page.locator("#not-selected tbody tr").count() == 30
    reasons = page.locator("#selected tbody tr td:nth-child(4)").all_inner_texts()
    assert len(reasons) == 20
    assert all(reason.startswith("geselecteerd") for reason in reasons)
    other_reasons = page.locator("#not-selected tbody tr td:nth-child(4)").all_inner_texts()
    assert all(reason.startswith("niet geselecteerd") for reason in other_reasons)
    proposal_names = page.locator("#selected tbody tr td:first-child").evaluate_all(
        "cells => cells.map(cell => cell.firstChild.textContent.trim())"
    )
    assert len(set(proposal_names)) == 20

    # The decision: all twelve members present, all vote for.
    page.click(f"a[href='/staff/runs/{run.pk}/decide/']")
    page.wait_for_load_state()
    members = BoardMember.objects.filter(programme=programme, active=True)
    assert page.locator("input[name^=present_]").count() == members.count() == 12
    page.fill("#id_meeting_date", "2017-04-28")
    page.fill("#id_meeting_location", "VVSG, Brussel")
    page.fill("#id_minutes", "De klankbordgroep neemt het voorstel over.")
    for member in members:
        page.check(f"#id_present_{member.pk}")
        page.select_option(f"#id_vote_{member.pk}", "for")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()
    assert re.fullmatch(live_server.url + r"/staff/decisions/\d+/", page.url)
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1 .badge").inner_text() == "Bevestigd"
    facts = dict(
        zip(
            page.locator("dl dt").all_inner_texts(),
            page.locator("dl dd").all_inner_texts(),
            strict=True,
        )
    )
    assert facts["Unaniem"] == "ja"
    assert facts["Aanwezig"].startswith("12 ")
    stored_hash = page.locator("dd.hash").inner_text()
    assert page.locator("#pilot li").count() == 20
    assert page.locator("#outreach li").count() == 30

    # The proces-verbaal: the 20 names and the content hash.
    page.click("a[href$='/pv/']")
    page.wait_for_load_state()
    pv_names = page.locator("#pv-pilot tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(pv_names) == sorted(proposal_names)
    assert page.locator("#pv-outreach tbody tr").count() == 30
    assert "De beslissing is unaniem." in page.locator("article.pv").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", page.locator("#pv-hash").inner_text())
    assert page.locator("#pv-hash").inner_text() == stored_hash

    # Both groups appear on the programme overview.
    page.goto(live_server.url + "/staff/")
    overview = dict(
        zip(
            page.locator("dl dt").all_inner_texts(),
            page.locator("dl dd").all_inner_texts(),
            strict=True,
        )
    )
    assert overview["Pilootgroep"] == "20 / 20"
    assert overview["Ruimere groep"] == "30"
    assert sorted(
        Candidacy.objects.filter(programme=programme, outcome="pilot").values_list(
            "municipality__name", flat=True
        )
    ) == sorted(proposal_names)

    # Once in English.
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Programme overview"
    assert page.locator("dt", has_text="Pilot group").count() == 2  # one per programme
    assert page.console_errors == []


def test_browser_cli_reproduces_the_web_proposal(demo, page, live_server, password, tmp_path):
    staff = get_user_model().objects.get(email="staff@example.org")
    programme_set_phase(programme=demo.current, phase=ProgrammePhase.DELIBERATION, actor=staff)
    log_in(page, live_server, "staff@example.org", password)
    run = run_optimiser(page, live_server, demo.current)
    web = SelectionRun.objects.latest("created_at").result
    assert run.status == "optimal"
    assert len(web["selected"]) == 20

    exported = io.StringIO()
    call_command("selection_export", demo.current.pk, stdout=exported)
    path = tmp_path / "input.json"
    path.write_text(exported.getvalue(), encoding="utf-8")
    solved = io.StringIO()
    call_command("selection_solve", str(path), stdout=solved)
    cli = json.loads(solved.getvalue())

    assert cli["status"] == "optimal"
    assert cli["selected"] == web["selected"]
    assert cli["objective"] == pytest.approx(web["objective"])
    # The page shows the same 20 municipalities.
    by_nis = dict(
        Candidacy.objects.filter(programme=demo.current).values_list(
            "municipality_id", "municipality__name"
        )
    )
    shown = page.locator("#selected tbody tr td:first-child").evaluate_all(
        "cells => cells.map(cell => cell.firstChild.textContent.trim())"
    )
    assert sorted(shown) == sorted(by_nis[nis] for nis in cli["selected"])
    assert page.console_errors == []
