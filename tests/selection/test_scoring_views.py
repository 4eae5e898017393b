"""Board scoring pages: list, declaration, dossier; who sees what; constant query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from municipalities.models import Municipality
from selection.enums import ConflictType, ProgrammePhase, ReviewStatus, ScoreVisibility
from selection.models import ConflictDeclaration, Review, Score
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    ReviewFactory,
    ScoreFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("selection:board_home")
SECRET = "SECRET-COMMENT-XYZ"


def dossier_url(candidacy):
    return reverse("selection:board_dossier", args=[candidacy.pk])


def declare_url(candidacy):
    return reverse("selection:board_declare", args=[candidacy.pk])


@pytest.fixture
def scoring(programme):
    programme.phase = ProgrammePhase.SCORING
    programme.save()
    return programme


@pytest.fixture
def criteria(scoring):
    return [
        CriterionFactory(
            programme=scoring,
            name="Motivatie",
            position=1,
            rubric="Hoe overtuigend is de motivatie?",
            scale_labels=["nul", "mager", "redelijk", "sterk", "voorbeeldig"],
        ),
        CriterionFactory(programme=scoring, name="Haalbaarheid", position=2),
        CriterionFactory(programme=scoring, name="Voorbeeldwaarde", position=3),
    ]


@pytest.fixture
def halle(scoring):
    return CandidacyFactory(
        programme=scoring,
        municipality=Municipality.objects.get(pk="23027"),
        motivation="Halle wil de SDG's in het meerjarenplan opnemen.",
    )


@pytest.fixture
def member(board_member, halle, criteria):
    ConflictDeclarationFactory(member=board_member, candidacy=halle)
    return board_member


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


def review_data(criteria, values, action="submit", version=0, comment=""):
    data = {"version": version, "comment": comment, "action": action}
    for criterion, value in zip(criteria, values, strict=True):
        if value is not None:
            data[f"score_{criterion.pk}"] = value
    return data


def checked_value(body, criterion):
    """The value of the checked radio of a criterion in a rendered form, or None."""
    for tag in re.findall(rf'<input[^>]*name="score_{criterion.pk}"[^>]*>', body):
        if " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


# --- My candidates ---------------------------------------------------------------------------


def test_board_home_shows_progress_and_filters(member_client, member, halle, scoring):
    genk = CandidacyFactory(programme=scoring, municipality=Municipality.objects.get(pk="71016"))
    gent = CandidacyFactory(programme=scoring, municipality=Municipality.objects.get(pk="44021"))
    ReviewFactory(member=member, candidacy=halle)
    ConflictDeclarationFactory(member=member, candidacy=genk, conflict_type=ConflictType.OTHER)
    body = member_client.get(HOME).content.decode()
    assert "1 / 2" in body
    assert 'value="1" max="2"' in body
    for name in ("Halle", "Genk", "Gent"):
        assert name in body
    todo = member_client.get(HOME, {"show": "todo"})
    assert [c.pk for c in todo.context["boards"][0].candidacies] == [gent.pk]
    done = member_client.get(HOME, {"show": "done"})
    assert [c.pk for c in done.context["boards"][0].candidacies] == [halle.pk]
    conflicted = member_client.get(HOME, {"show": "conflicted"})
    assert [c.pk for c in conflicted.context["boards"][0].candidacies] == [genk.pk]
    # A conflicted candidacy links to its declaration, never to its dossier.
    assert f'href="{declare_url(genk)}"' in conflicted.content.decode()
    assert f'href="{dossier_url(genk)}"' not in conflicted.content.decode()


def test_board_home_lists_only_own_programme(member_client, halle):
    foreign = CandidacyFactory(
        programme=BoardMemberFactory().programme, municipality=Municipality.objects.get(pk="71016")
    )
    response = member_client.get(HOME)
    candidacies = response.context["boards"][0].candidacies
    assert [c.pk for c in candidacies] == [halle.pk]
    assert dossier_url(foreign) not in response.content.decode()


# --- declaration -----------------------------------------------------------------------------


def test_dossier_without_declaration_redirects_to_declaration(client, board_member, halle):
    client.force_login(board_member.user)
    response = client.get(dossier_url(halle))
    assert response.status_code == 302
    assert response["Location"] == declare_url(halle)
    response = client.post(dossier_url(halle), {"version": 0, "action": "submit"})
    assert response.status_code == 302
    assert not Review.objects.exists()


def test_declare_no_conflict_opens_the_dossier(client, board_member, halle, criteria):
    client.force_login(board_member.user)
    assert client.get(declare_url(halle)).status_code == 200
    response = client.post(declare_url(halle), {"conflict_type": ConflictType.NONE, "note": ""})
    assert response["Location"] == dossier_url(halle)
    response = client.get(dossier_url(halle))
    assert response.status_code == 200
    assert "Halle wil de SDG" in response.content.decode()


def test_declare_conflict_closes_the_dossier(member_client, member, halle, criteria):
    ReviewFactory(member=member, candidacy=halle, comment="mijn eigen oordeel")
    page = member_client.get(declare_url(halle))
    assert page.context["target"].has_review
    response = member_client.post(
        declare_url(halle), {"conflict_type": ConflictType.PERSONAL, "note": "Mijn zus"}
    )
    assert response["Location"] == HOME
    assert member_client.get(dossier_url(halle)).status_code == 404
    assert (
        member_client.post(dossier_url(halle), review_data(criteria, [5, 5, 5])).status_code == 404
    )
    declaration = ConflictDeclaration.objects.get()
    assert declaration.history.count() == 2
    # The declaration page stays open to the conflicted member, without dossier content.
    page = member_client.get(declare_url(halle))
    assert page.status_code == 200
    assert "Halle wil de SDG" not in page.content.decode()
    assert "mijn eigen oordeel" not in page.content.decode()


def test_declare_other_without_note_shows_error(member_client, halle):
    response = member_client.post(declare_url(halle), {"conflict_type": ConflictType.OTHER})
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert ConflictDeclaration.objects.get().conflict_type == ConflictType.NONE


def test_declare_change_refused_after_scoring(member_client, halle, scoring):
    scoring.phase = ProgrammePhase.DELIBERATION
    scoring.save()
    assert "disabled" in member_client.get(declare_url(halle)).content.decode()
    response = member_client.post(declare_url(halle), {"conflict_type": ConflictType.FINANCIAL})
    assert response.status_code == 403
    assert ConflictDeclaration.objects.get().conflict_type == ConflictType.NONE


# --- dossier ---------------------------------------------------------------------------------


def test_dossier_shows_facts_rubric_and_labelled_scale(member_client, halle, criteria):
    body = member_client.get(dossier_url(halle)).content.decode()
    assert "Vlaams-Brabant" in body
    assert "Hoe overtuigend is de motivatie?" in body
    assert "1 – nul" in body
    assert "5 – voorbeeldig" in body
    # Default labels on the other criteria: five values and n/a each.
    for criterion in criteria:
        values = re.findall(rf'name="score_{criterion.pk}"[^>]*value="([^"]+)"', body)
        assert values == ["1", "2", "3", "4", "5", "na"]
    assert body.index("Motivatie") < body.index("Haalbaarheid") < body.index("Voorbeeldwaarde")


def test_dossier_save_draft_then_submit(member_client, member, halle, criteria):
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["4", None, None], action="draft")
    )
    assert response["Location"] == dossier_url(halle)
    review = Review.objects.get()
    assert (review.status, review.version) == (ReviewStatus.DRAFT, 1)
    page = member_client.get(dossier_url(halle)).content.decode()
    assert checked_value(page, criteria[0]) == "4"
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["4", "na", "2"], version=1)
    )
    assert response["Location"] == dossier_url(halle)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    score = Score.objects.get(criterion=criteria[1])
    assert (score.value, score.not_applicable) == (None, True)


def test_dossier_submit_incomplete_keeps_input(member_client, halle, criteria):
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["4", None, "na"], comment="mijn tekst")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[f"score_{criteria[1].pk}"]
    body = response.content.decode()
    assert checked_value(body, criteria[0]) == "4"
    assert checked_value(body, criteria[2]) == "na"
    assert "mijn tekst" in body
    assert not Review.objects.exists()


def test_dossier_submit_and_next_goes_to_next_todo(member_client, member, halle, scoring, criteria):
    others = [
        CandidacyFactory(programme=scoring, municipality=m)
        for m in Municipality.objects.exclude(pk="23027").order_by("pk")[:4]
    ]
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["3", "3", "3"], action="submit_next")
    )
    order = [c.pk for c in member_client.get(HOME).context["boards"][0].candidacies]
    position = order.index(halle.pk)
    expected = (order[position + 1 :] + order[:position])[0]
    assert response["Location"] == reverse("selection:board_dossier", args=[expected])
    assert expected in {c.pk for c in others}


def test_dossier_submit_and_next_when_all_done_goes_home(member_client, halle, criteria):
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["3", "3", "3"], action="submit_next")
    )
    assert response["Location"] == HOME


def test_dossier_edit_after_submit_allowed_while_scoring(member_client, halle, criteria):
    member_client.post(dossier_url(halle), review_data(criteria, ["3", "3", "3"]))
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["5", "3", "3"], version=1)
    )
    assert response.status_code == 302
    assert Score.objects.get(criterion=criteria[0]).value == 5
    assert Review.objects.get().status == ReviewStatus.SUBMITTED


def test_dossier_read_only_and_refused_after_scoring(member_client, halle, scoring, criteria):
    member_client.post(dossier_url(halle), review_data(criteria, ["3", "3", "3"]))
    scoring.phase = ProgrammePhase.DELIBERATION
    scoring.save()
    page = member_client.get(dossier_url(halle))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="action"' not in body
    tags = re.findall(rf'<input[^>]*name="score_{criteria[0].pk}"[^>]*>', body)
    assert tags
    assert all("disabled" in tag for tag in tags)
    response = member_client.post(
        dossier_url(halle), review_data(criteria, ["1", "1", "1"], version=1)
    )
    assert response.status_code == 403
    assert sorted(Score.objects.values_list("value", flat=True)) == [3, 3, 3]


def test_dossier_stale_form_keeps_input_and_loses_no_update(member_client, halle, criteria):
    # Two windows opened the dossier with version 0; the first one saves.
    first = member_client.post(
        dossier_url(halle), review_data(criteria, ["5", "5", "5"], comment="venster een")
    )
    assert first.status_code == 302
    second = member_client.post(
        dossier_url(halle), review_data(criteria, ["1", "2", None], comment="venster twee")
    )
    assert second.status_code == 200
    assert second.context["stale"] is True
    body = second.content.decode()
    assert 'id="stale-warning"' in body
    assert checked_value(body, criteria[0]) == "1"
    assert checked_value(body, criteria[1]) == "2"
    assert "venster twee" in body
    assert second.context["form"]["version"].value() == "1"
    review = Review.objects.get()
    assert (review.comment, review.version) == ("venster een", 1)
    assert sorted(Score.objects.values_list("value", flat=True)) == [5, 5, 5]
    # Saving the kept input again, now with the current version, succeeds.
    third = member_client.post(
        dossier_url(halle),
        review_data(criteria, ["1", "2", "3"], comment="venster twee", version=1),
    )
    assert third.status_code == 302
    assert Review.objects.get().comment == "venster twee"


# --- who may see what ------------------------------------------------------------------------


@pytest.fixture
def planted(halle, criteria):
    """A colleague's submitted review holding a secret, and a conflicted member's one."""
    colleague = BoardMemberFactory(programme=halle.programme)
    ConflictDeclarationFactory(member=colleague, candidacy=halle)
    review = ReviewFactory(member=colleague, candidacy=halle, comment=SECRET)
    ScoreFactory(review=review, criterion=criteria[0], value=2, comment="SECRET-SCORE-XYZ")
    conflicted = BoardMemberFactory(programme=halle.programme)
    ConflictDeclarationFactory(
        member=conflicted, candidacy=halle, conflict_type=ConflictType.EMPLOYMENT
    )
    ScoreFactory(
        review=ReviewFactory(member=conflicted, candidacy=halle, comment="CONFLICTED-XYZ"),
        criterion=criteria[0],
        value=1,
    )
    return {"colleague": colleague, "conflicted": conflicted}


def pages_for(client, candidacy):
    urls = [HOME, HOME + "?show=done", dossier_url(candidacy), declare_url(candidacy)]
    return {url: client.get(url) for url in urls}


def assert_secret_absent(client, candidacy):
    for url, response in pages_for(client, candidacy).items():
        body = response.content.decode()
        assert SECRET not in body, url
        assert "SECRET-SCORE-XYZ" not in body, url
        assert "CONFLICTED-XYZ" not in body, url


@pytest.mark.parametrize(
    ("visibility", "submit_own"),
    [(ScoreVisibility.NEVER, True), (ScoreVisibility.AFTER_OWN, False)],
)
def test_secret_score_hidden_when_visibility_forbids(
    member_client, halle, criteria, planted, visibility, submit_own
):
    halle.programme.score_visibility = visibility
    halle.programme.save()
    if submit_own:
        member_client.post(dossier_url(halle), review_data(criteria, ["3", "3", "3"]))
    else:
        member_client.post(dossier_url(halle), review_data(criteria, ["3", None, None], "draft"))
    assert_secret_absent(member_client, halle)


def test_secret_score_hidden_from_conflicted_member(client, halle, criteria, planted):
    halle.programme.score_visibility = ScoreVisibility.ALWAYS
    halle.programme.save()
    conflicted = planted["conflicted"]
    client.force_login(conflicted.user)
    responses = pages_for(client, halle)
    assert responses[dossier_url(halle)].status_code == 404
    assert_secret_absent(client, halle)


@pytest.mark.parametrize(
    ("visibility", "submit_own"),
    [(ScoreVisibility.ALWAYS, False), (ScoreVisibility.AFTER_OWN, True)],
)
def test_secret_score_shown_when_visibility_allows(
    member_client, halle, criteria, planted, visibility, submit_own
):
    halle.programme.score_visibility = visibility
    halle.programme.save()
    if submit_own:
        member_client.post(dossier_url(halle), review_data(criteria, ["3", "3", "3"]))
    body = member_client.get(dossier_url(halle)).content.decode()
    assert SECRET in body
    assert "SECRET-SCORE-XYZ" in body
    assert planted["colleague"].user.get_full_name() in body
    # A conflicted member's scores never show as counting.
    assert "CONFLICTED-XYZ" not in body
    assert planted["conflicted"].user.get_full_name() not in body


def test_member_of_another_programme_gets_404(client, halle, planted):
    outsider = BoardMemberFactory()
    client.force_login(outsider.user)
    assert client.get(dossier_url(halle)).status_code == 404
    assert client.get(declare_url(halle)).status_code == 404
    assert client.post(declare_url(halle), {"conflict_type": "none"}).status_code == 404
    assert not ConflictDeclaration.objects.filter(member=outsider).exists()
    body = client.get(HOME).content.decode()
    assert "Halle" not in body


@pytest.mark.parametrize("who", ["contact", "other_contact", "staff_user"])
def test_non_members_are_refused_every_board_url(client, who, request, halle, planted):
    person = request.getfixturevalue(who)
    client.force_login(person if who == "staff_user" else person.user)
    assert client.get(HOME).status_code == 403
    for url in (dossier_url(halle), declare_url(halle)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()
        assert client.post(url, {"conflict_type": "none", "version": 0}).status_code == 404
    assert (ConflictDeclaration.objects.count(), Review.objects.count()) == (2, 2)


# --- constant number of queries --------------------------------------------------------------


def add_candidacies(programme, count, exclude):
    municipalities = Municipality.objects.exclude(pk__in=exclude).order_by("pk")[:count]
    return [CandidacyFactory(programme=programme, municipality=m) for m in municipalities]


def add_reviewers(candidacies, criteria, count):
    for candidacy in candidacies:
        for _ in range(count):
            colleague = BoardMemberFactory(programme=candidacy.programme)
            ConflictDeclarationFactory(member=colleague, candidacy=candidacy)
            review = ReviewFactory(member=colleague, candidacy=candidacy, comment="ok")
            for criterion in criteria:
                ScoreFactory(review=review, criterion=criterion, value=4)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_board_home_queries_do_not_grow_with_candidacies(
    member_client, member, halle, scoring, criteria, django_assert_num_queries
):
    first = add_candidacies(scoring, 4, exclude=[halle.municipality_id])
    ReviewFactory(member=member, candidacy=first[0])
    ConflictDeclarationFactory(member=member, candidacy=first[1], conflict_type="other")
    small = count_queries(member_client, HOME)
    more = add_candidacies(
        scoring, 45, exclude=[halle.municipality_id] + [c.municipality_id for c in first]
    )
    for candidacy in more[:20]:
        ReviewFactory(member=member, candidacy=candidacy)
    for candidacy in more[20:25]:
        ConflictDeclarationFactory(member=member, candidacy=candidacy, conflict_type="other")
    with django_assert_num_queries(small):
        response = member_client.get(HOME)
    assert len(response.context["boards"][0].candidacies) == 50


# Session, user, candidacy, the member's seat (with their declaration and review), their
# scores, the criteria, the others' scores, and the navigation's two role checks.
DOSSIER_QUERIES = 9


def test_dossier_queries_do_not_grow_with_candidacies_or_reviews(
    member_client, member, halle, scoring, criteria, django_assert_num_queries
):
    scoring.score_visibility = ScoreVisibility.ALWAYS
    scoring.save()
    member_client.post(dossier_url(halle), review_data(criteria, ["3", "3", "3"]))
    add_candidacies(scoring, 4, exclude=[halle.municipality_id])
    add_reviewers([halle], criteria, 2)
    small = count_queries(member_client, dossier_url(halle))
    assert small == DOSSIER_QUERIES
    add_candidacies(
        scoring, 45, exclude=list(scoring.candidacies.values_list("municipality_id", flat=True))
    )
    add_reviewers([halle], criteria, 8)
    with django_assert_num_queries(small):
        response = member_client.get(dossier_url(halle))
    assert len(response.context["dossier"].others.reviews) == 10
