"""The staff pages run the same number of queries for 50 and for 500 candidacies."""

import pytest
from django.urls import reverse
from django.utils import timezone

from municipalities.models import Municipality
from selection.enums import CandidacyState, ConflictType, ReviewStatus
from selection.models import Candidacy, ConflictDeclaration, Review, Score
from tests.factories import BoardMemberFactory, CriterionFactory

pytestmark = pytest.mark.django_db

MEMBERS = 4


def _municipalities(count: int) -> list[Municipality]:
    """The real municipalities first; past 308, made-up ones in the same province."""
    real = list(Municipality.objects.order_by("pk")[:count])
    template = real[0]
    extra = [
        Municipality(
            nis_code=f"9{i:04d}",
            name=f"Testgemeente {i}",
            province_id=template.province_id,
            arrondissement_id=template.arrondissement_id,
            population_2018=5_000 + 100 * i,
            area_km2=10,
            degurba=3,
            nis_code_2019=f"9{i:04d}",
            name_2019=f"Testgemeente {i}",
            nis_code_2025=f"9{i:04d}",
            name_2025=f"Testgemeente {i}",
        )
        for i in range(count - len(real))
    ]
    return real + Municipality.objects.bulk_create(extra)


def build(programme, count: int) -> None:
    """`count` candidacies, 3 criteria, MEMBERS members who scored nearly everything; each
    member declared one conflict and left one review as a draft."""
    now = timezone.now()
    criteria = [CriterionFactory(programme=programme, weight=w) for w in (2, 1, 1)]
    members = [BoardMemberFactory(programme=programme, user__password=None) for _ in range(MEMBERS)]
    candidacies = Candidacy.objects.bulk_create(
        Candidacy(
            programme=programme,
            municipality=municipality,
            state=CandidacyState.SUBMITTED,
            submitted_at=now,
        )
        for municipality in _municipalities(count)
    )
    conflicts, reviews = [], []
    for i, member in enumerate(members):
        for j, candidacy in enumerate(candidacies):
            if j == i:
                conflicts.append(
                    ConflictDeclaration(
                        member=member,
                        candidacy=candidacy,
                        conflict_type=ConflictType.PERSONAL,
                    )
                )
                continue
            draft = j == i + 1
            reviews.append(
                Review(
                    member=member,
                    candidacy=candidacy,
                    status=ReviewStatus.DRAFT if draft else ReviewStatus.SUBMITTED,
                    submitted_at=None if draft else now,
                )
            )
    ConflictDeclaration.objects.bulk_create(conflicts)
    Review.objects.bulk_create(reviews)
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, value=1 + (i * 7 + k * 3) % 5)
        for i, review in enumerate(reviews)
        for k, criterion in enumerate(criteria)
    )


# Every page: session, user, programme, and the navigation's two role checks (contact,
# board member). Then the page's own queries.
COMMON = 5
RANKING_QUERIES = COMMON + 3  # candidacies, criteria, scores
PROGRESS_QUERIES = COMMON + 5  # candidacy count, members, reviews, declarations, conflicts
AGREEMENT_QUERIES = COMMON + 2  # criteria, scores
EXPORT_QUERIES = RANKING_QUERIES - 2  # no page, so no navigation


@pytest.mark.parametrize("count", [50, 500])
def test_ranking_page_queries_constant(
    client, staff_user, programme, django_assert_num_queries, count
):
    build(programme, count)
    client.force_login(staff_user)
    with django_assert_num_queries(RANKING_QUERIES):
        response = client.get(reverse("selection:ranking", args=[programme.pk]))
    table = response.context["table"]
    assert len(table.rows) == count
    # Every submitted review counts, the conflicted and draft ones do not: 3 scores each.
    assert sum(row.n_scores for row in table.rows) == MEMBERS * (count - 2) * 3


@pytest.mark.parametrize("name", ["ranking_csv", "ranking_xlsx"])
@pytest.mark.parametrize("count", [50, 500])
def test_ranking_exports_queries_constant(
    client, staff_user, programme, django_assert_num_queries, count, name
):
    build(programme, count)
    client.force_login(staff_user)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(reverse(f"selection:{name}", args=[programme.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [50, 500])
def test_progress_page_queries_constant(
    client, staff_user, programme, django_assert_num_queries, count
):
    build(programme, count)
    client.force_login(staff_user)
    with django_assert_num_queries(PROGRESS_QUERIES):
        response = client.get(reverse("selection:progress", args=[programme.pk]))
    progress = response.context["progress"]
    assert [(p.submitted, p.drafts, p.conflicts, p.to_do) for p in progress] == [
        (count - 2, 1, 1, 1)
    ] * MEMBERS


@pytest.mark.parametrize("count", [50, 500])
def test_agreement_page_queries_constant(
    client, staff_user, programme, django_assert_num_queries, count
):
    build(programme, count)
    client.force_login(staff_user)
    with django_assert_num_queries(AGREEMENT_QUERIES):
        response = client.get(reverse("selection:agreement", args=[programme.pk]))
    assert [a.units for a in response.context["agreements"]] == [count] * 3
