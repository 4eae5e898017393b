from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from municipalities.models import Municipality, MunicipalityContact
from selection.enums import (
    CandidacyState,
    ConflictType,
    CriterionKind,
    DiversityAttribute,
    OrganisationKind,
    ReviewStatus,
)
from selection.models import (
    BoardMember,
    BoardOrganisation,
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Programme,
    Quota,
    Review,
    Score,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="nl_BE")
    last_name = factory.Faker("last_name", locale="nl_BE")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"SDG-proeftraject {2017 + n}")
    starts_on = date(2017, 5, 16)
    ends_on = date(2019, 12, 31)


class BoardOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardOrganisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = OrganisationKind.NGO


class BoardMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMember

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(BoardOrganisationFactory)


def municipality(nis_code: str) -> Municipality:
    return Municipality.objects.get(pk=nis_code)


class MunicipalityContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MunicipalityContact

    user = factory.SubFactory(UserFactory)
    municipality = factory.LazyFunction(lambda: municipality("44021"))


class CandidacyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidacy

    programme = factory.SubFactory(ProgrammeFactory)
    municipality = factory.LazyFunction(lambda: municipality("44021"))
    state = CandidacyState.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    motivation = "Wij willen de SDG's in ons meerjarenplan verankeren."


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    programme = factory.SubFactory(ProgrammeFactory)
    kind = CriterionKind.JUDGEMENT
    name = factory.Sequence(lambda n: f"Criterium {n}")
    weight = 1
    position = factory.Sequence(lambda n: n)


class DiversityCriterionFactory(CriterionFactory):
    kind = CriterionKind.DIVERSITY
    attribute = DiversityAttribute.PROVINCE
    weight = 0


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    criterion = factory.SubFactory(DiversityCriterionFactory)
    value = "Limburg"
    minimum = 1


class ConflictDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictDeclaration

    member = factory.SubFactory(BoardMemberFactory)
    candidacy = factory.SubFactory(CandidacyFactory)
    conflict_type = ConflictType.NONE


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    member = factory.SubFactory(BoardMemberFactory)
    candidacy = factory.SubFactory(CandidacyFactory)
    status = ReviewStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory)
    value = 3


def scored_programme(
    *, per_province: int = 10, size: int = 20, members: int = 3, **programme_fields
) -> Programme:
    """A programme in deliberation with 5 x ``per_province`` submitted, fully scored
    candidacies (the first municipalities of each province by NIS code), two judgement
    criteria and province/urbanisation quotas. Limburg's candidacies score lowest, so the
    quota "Limburg at least 4" decides who of them gets in. Deterministic."""
    from selection.enums import ProgrammePhase

    programme_fields.setdefault("phase", ProgrammePhase.DELIBERATION)
    programme = ProgrammeFactory(pilot_group_size=size, **programme_fields)
    motivation = CriterionFactory(programme=programme, name="Motivatie", weight=2)
    feasibility = CriterionFactory(programme=programme, name="Haalbaarheid", weight=1)
    province = DiversityCriterionFactory(
        programme=programme, attribute=DiversityAttribute.PROVINCE, name="Provincie"
    )
    QuotaFactory(criterion=province, value="Limburg", minimum=4, maximum=None)
    QuotaFactory(criterion=province, value="West-Vlaanderen", minimum=None, maximum=4)
    degurba = DiversityCriterionFactory(
        programme=programme, attribute=DiversityAttribute.DEGURBA, name="Verstedelijking"
    )
    QuotaFactory(criterion=degurba, value="rural", minimum=None, maximum=6)
    # No password: hashing one costs more than the rest of this function.
    board = [BoardMemberFactory(programme=programme, user__password=None) for _ in range(members)]
    chosen = []
    for name in ["Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen"]:
        chosen += list(
            Municipality.objects.filter(province__name=name).order_by("nis_code")[:per_province]
        )
    candidacies = [CandidacyFactory(programme=programme, municipality=m) for m in chosen]
    declarations, reviews = [], []
    for candidacy in candidacies:
        for member in board:
            declarations.append(
                ConflictDeclaration(
                    member=member, candidacy=candidacy, conflict_type=ConflictType.NONE
                )
            )
            reviews.append(
                Review(
                    member=member,
                    candidacy=candidacy,
                    status=ReviewStatus.SUBMITTED,
                    submitted_at=timezone.now(),
                )
            )
    bulk_create_with_history(declarations, ConflictDeclaration)
    bulk_create_with_history(reviews, Review)
    scores = []
    for k, review in enumerate(
        Review.objects.filter(candidacy__programme=programme)
        .select_related("candidacy__municipality__province")
        .order_by("candidacy__municipality_id", "member_id")
    ):
        i, m = divmod(k, members)
        limburg = review.candidacy.municipality.province.name == "Limburg"
        first = 1 + (i + m) % 2 if limburg else 2 + (i * 3 + m * 2) % 4
        second = 1 + (i * 5 + m) % 5
        scores.append(Score(review=review, criterion=motivation, value=first))
        scores.append(Score(review=review, criterion=feasibility, value=second))
    bulk_create_with_history(scores, Score)
    return programme
