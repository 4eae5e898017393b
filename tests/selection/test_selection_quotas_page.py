"""Quotas that fit the pilot group: the scaled seed, the staff page that edits them, and its
refusals (role, unknown programme, wrong bounds, a stale form, a confirmed decision)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from selection.enums import CriterionKind, DiversityAttribute, ProgrammePhase, Vote
from selection.models import Candidacy, Criterion, Quota
from selection.selectors.criteria import quotas_version
from selection.selectors.runs import run_freshness
from selection.services.criteria import (
    DIVERSITY_CRITERIA,
    STANDARD_GROUP_SIZE,
    programme_seed_criteria,
    quota_key,
    quotas_save,
    quotas_scale_to_group,
    scaled_quotas,
)
from selection.services.decision import decision_confirm, decision_record
from selection.services.proposal import selection_run
from tests.factories import (
    DiversityCriterionFactory,
    ProgrammeFactory,
    QuotaFactory,
    scored_programme,
)

pytestmark = pytest.mark.django_db


def _quotas(programme) -> dict[str, dict[str, tuple]]:
    """{attribute: {value: (min, max)}} of the programme's saved quotas."""
    result: dict[str, dict[str, tuple]] = {}
    for q in Quota.objects.filter(criterion__programme=programme).select_related("criterion"):
        result.setdefault(q.criterion.attribute, {})[q.value] = (q.minimum, q.maximum)
    return result


def _save(programme, actor, quotas):
    """quotas_save with the version as it is now (the person saw the latest page)."""
    return quotas_save(
        programme=programme, actor=actor, version=quotas_version(programme), quotas=quotas
    )


def _url(programme, name="selection:criteria"):
    return reverse(name, args=[programme.pk])


# --- Seeding scales to the group size ---------------------------------------------------------


def test_seed_for_a_group_of_twenty_keeps_the_standard_quotas(reference_data):
    programme = ProgrammeFactory(pilot_group_size=20)
    programme_seed_criteria(programme=programme)
    expected = {
        str(attribute): {str(v): (low, high) for v, low, high in quotas}
        for attribute, _name, quotas in DIVERSITY_CRITERIA
    }
    assert _quotas(programme) == expected
    assert _quotas(programme)["contact_person"] == {"yes": (16, None)}
    assert _quotas(programme)["province"]["Limburg"] == (3, 6)


@pytest.mark.parametrize(
    ("size", "province", "contact", "advanced", "federal_yes"),
    [
        (10, (1, 3), (8, None), (None, 3), (1, None)),
        (30, (4, 9), (24, None), (None, 8), (3, None)),
    ],
)
def test_seed_scales_minimums_down_and_maximums_up(
    reference_data, size, province, contact, advanced, federal_yes
):
    programme = ProgrammeFactory(pilot_group_size=size)
    programme_seed_criteria(programme=programme)
    quotas = _quotas(programme)
    assert quotas["province"] == dict.fromkeys(
        ["Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen"],
        province,
    )
    assert quotas["contact_person"] == {"yes": contact}
    assert quotas["sdg_status"]["advanced"] == advanced
    assert quotas["federal_subsidy"]["yes"] == federal_yes


def test_seed_for_a_group_of_one_keeps_the_criteria_without_quotas(reference_data):
    programme = ProgrammeFactory(pilot_group_size=1)
    programme_seed_criteria(programme=programme)
    # Every minimum rounds to 0 and every maximum reaches the whole group: nothing binds.
    assert programme.criteria.filter(kind=CriterionKind.DIVERSITY).count() == 8
    assert not Quota.objects.filter(criterion__programme=programme).exists()


@pytest.mark.parametrize("size", range(1, 61))
def test_scaled_standard_quotas_are_feasible_per_criterion(size):
    for _attribute, _name, quotas in DIVERSITY_CRITERIA:
        rows = scaled_quotas(quotas, size)
        assert sum(low or 0 for _v, low, _high in rows) <= size
        for _value, low, high in rows:
            assert low is None or 0 < low <= size
            assert high is None or high < size
            assert low is None or high is None or low <= high


def test_scaling_twenty_changes_nothing():
    for _attribute, _name, quotas in DIVERSITY_CRITERIA:
        assert scaled_quotas(quotas, STANDARD_GROUP_SIZE) == [(str(v), a, b) for v, a, b in quotas]


# --- The page: who may open it ----------------------------------------------------------------


@pytest.fixture
def ten(reference_data):
    """A programme of 10 in the scoring phase with the standard criteria, scaled."""
    programme = ProgrammeFactory(pilot_group_size=10, phase=ProgrammePhase.SCORING)
    programme_seed_criteria(programme=programme)
    return programme


@pytest.fixture
def ten_unscaled(reference_data):
    """A programme of 10 with the standard quotas for 20, as a group size changed later."""
    programme = ProgrammeFactory(pilot_group_size=20, phase=ProgrammePhase.SCORING)
    programme_seed_criteria(programme=programme)
    programme.pilot_group_size = 10
    programme.save()
    return programme


def test_staff_open_the_page(staff_client, ten):
    response = staff_client.get(_url(ten))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="quotas-form"' in body
    assert 'id="quotas-scale"' in body
    assert response.context["overview"].judgement[0].name == "Motivatie"
    assert len(response.context["blocks"]) == 8


@pytest.mark.parametrize("who", ["board_member", "contact"])
def test_others_get_403(client, request, ten, who):
    # The `contact` and `board_member` fixtures belong to the shared `programme` fixture.
    user = request.getfixturevalue(who).user
    client.force_login(user)
    assert client.get(_url(ten)).status_code == 403
    before = _quotas(ten)
    assert client.post(_url(ten), {"version": quotas_version(ten)}).status_code == 403
    assert client.post(_url(ten, "selection:criteria_scale")).status_code == 403
    assert _quotas(ten) == before


def test_anonymous_goes_to_the_login(client, ten):
    response = client.get(_url(ten))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_unknown_programme_is_404(staff_client, ten):
    assert staff_client.get(reverse("selection:criteria", args=[ten.pk + 1000])).status_code == 404
    response = staff_client.post(reverse("selection:criteria_scale", args=[ten.pk + 1000]))
    assert response.status_code == 404


# --- Saving the quotas ------------------------------------------------------------------------


def _post_data(response, **changes) -> dict:
    """The page's form as a browser would post it, with `changes` by (attribute, value,
    bound) written as "province:Limburg:min"."""
    form = response.context["form"]
    data = {"version": form.initial["version"]}
    for name in form.fields:
        if name != "version":
            value = form.initial.get(name)
            data[name] = "" if value is None else str(value)
    for block in response.context["blocks"]:
        for line in block.lines:
            for bound, field in (("min", line.minimum), ("max", line.maximum)):
                key = f"{block.criterion.attribute}:{line.row.value}:{bound}"
                if key in changes:
                    data[field.html_name] = str(changes[key])
    return data


def test_save_changes_the_quotas_with_history(staff_client, staff, ten):
    page = staff_client.get(_url(ten))
    data = _post_data(
        page,
        **{
            "contact_person:yes:min": 6,
            "province:Limburg:min": 2,
            "province:Limburg:max": 4,
            "sdg_status:exploring:max": 5,
            "twinning:yes:min": "",
        },
    )
    response = staff_client.post(_url(ten), data)
    assert response.status_code == 302
    quotas = _quotas(ten)
    assert quotas["contact_person"] == {"yes": (6, None)}
    assert quotas["province"]["Limburg"] == (2, 4)
    assert quotas["sdg_status"]["exploring"] == (None, 5)
    # Both bounds empty: the quota is gone.
    assert quotas["twinning"] == {"no": (2, None)}
    quota = Quota.objects.get(criterion__programme=ten, value="exploring")
    row = quota.history.get()
    assert row.history_user == staff
    assert row.history_change_reason
    twinning = ten.criteria.get(attribute=DiversityAttribute.TWINNING)
    removed = Quota.history.get(criterion_id=twinning.pk, value="yes", history_type="-")
    assert removed.history_user == staff


@pytest.mark.parametrize(
    ("changes", "key", "code"),
    [
        ({"province:Limburg:min": 4, "province:Limburg:max": 2}, "province:Limburg:max", None),
        ({"province:Limburg:min": 11}, "province:Limburg:min", None),
        ({"province:Limburg:max": 11}, "province:Limburg:max", None),
        ({"size_class:small:min": 5, "size_class:medium:min": 5}, "size_class", None),
    ],
)
def test_a_wrong_row_saves_nothing(staff_client, ten, changes, key, code):
    before = _quotas(ten)
    page = staff_client.get(_url(ten))
    response = staff_client.post(_url(ten), _post_data(page, **changes))
    assert response.status_code == 400
    assert _quotas(ten) == before
    assert 'id="quotas-problem"' in response.content.decode()
    blocks = {b.criterion.attribute: b for b in response.context["blocks"]}
    attribute, *rest = key.split(":")
    if rest:
        value, bound = rest
        line = next(li for li in blocks[attribute].lines if li.row.value == value)
        assert (line.minimum if bound == "min" else line.maximum).errors
    else:
        assert blocks[attribute].errors


def test_service_refuses_each_wrong_bound_by_its_key(staff, ten):
    province = ten.criteria.get(attribute=DiversityAttribute.PROVINCE)
    with pytest.raises(ValidationError) as caught:
        _save(
            ten,
            staff,
            {
                province.pk: {
                    "Limburg": (5, 3),
                    "Antwerpen": (11, None),
                    "Atlantis": (1, None),
                    "West-Vlaanderen": (-1, None),
                }
            },
        )
    keys = set(caught.value.error_dict)
    assert keys == {
        quota_key(province.pk, "Limburg", "max"),
        quota_key(province.pk, "Antwerpen", "min"),
        quota_key(province.pk, "Atlantis", "min"),
        quota_key(province.pk, "West-Vlaanderen", "min"),
        quota_key(province.pk),  # 5 + 11 + 1 > 10
    }


def test_every_value_capped_below_the_group_is_refused(staff, ten):
    twinning = ten.criteria.get(attribute=DiversityAttribute.TWINNING)
    with pytest.raises(ValidationError) as caught:
        _save(ten, staff, {twinning.pk: {"yes": (None, 4), "no": (None, 5)}})
    assert set(caught.value.error_dict) == {quota_key(twinning.pk)}


def test_service_refuses_another_programmes_criterion(staff, ten, reference_data):
    other = DiversityCriterionFactory(programme=ProgrammeFactory())
    QuotaFactory(criterion=other, value="Limburg", minimum=1)
    with pytest.raises(ValidationError) as caught:
        _save(ten, staff, {other.pk: {"Limburg": (3, None)}})
    assert caught.value.code == "criterion"
    assert Quota.objects.get(criterion=other).minimum == 1


def test_service_refuses_a_board_member(board_member, ten):
    with pytest.raises(PermissionDenied):
        quotas_save(programme=ten, actor=board_member.user, version="", quotas={})
    with pytest.raises(PermissionDenied):
        quotas_scale_to_group(programme=ten, actor=board_member.user, version="")


def test_a_crafted_post_without_some_fields_keeps_their_quotas(staff_client, ten):
    before = _quotas(ten)
    response = staff_client.post(_url(ten), {"version": quotas_version(ten)})
    assert response.status_code == 302
    assert _quotas(ten) == before


def test_a_double_submit_is_harmless(staff_client, ten):
    page = staff_client.get(_url(ten))
    data = _post_data(page, **{"contact_person:yes:min": 7})
    assert staff_client.post(_url(ten), data).status_code == 302
    # The same form again: its version is old now, but it asks for what is saved.
    assert staff_client.post(_url(ten), data).status_code == 302
    assert _quotas(ten)["contact_person"] == {"yes": (7, None)}


def test_a_stale_form_is_refused_and_keeps_the_input(staff_client, staff, ten):
    page = staff_client.get(_url(ten))
    data = _post_data(page, **{"contact_person:yes:min": 7})
    # A colleague saves in the meantime.
    contact = ten.criteria.get(attribute=DiversityAttribute.CONTACT_PERSON)
    _save(ten, staff, {contact.pk: {"yes": (5, None)}})
    response = staff_client.post(_url(ten), data)
    assert response.status_code == 400
    assert _quotas(ten)["contact_person"] == {"yes": (5, None)}
    form = response.context["form"]
    assert form.non_field_errors()
    blocks = {b.criterion.attribute: b for b in response.context["blocks"]}
    line = blocks["contact_person"].lines[0]
    assert line.minimum.value() == "7"  # what was typed
    assert line.row.minimum == 5  # what is saved now, shown beside it
    # Saving the kept form again is a choice made with both in view: it goes through.
    again = {name: form.data[name] for name in form.fields}
    assert staff_client.post(_url(ten), again).status_code == 302
    assert _quotas(ten)["contact_person"] == {"yes": (7, None)}


# --- After the decision -------------------------------------------------------------------------


def test_a_decided_programme_refuses_changes(staff_client, staff, ten):
    ten.phase = ProgrammePhase.DECIDED
    ten.save()
    before = _quotas(ten)
    page = staff_client.get(_url(ten))
    assert 'id="criteria-locked"' in page.content.decode()
    assert 'id="quotas-save"' not in page.content.decode()
    response = staff_client.post(_url(ten), _post_data(page, **{"contact_person:yes:min": 7}))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    staff_client.post(_url(ten, "selection:criteria_scale"), {"version": quotas_version(ten)})
    with pytest.raises(ValidationError) as caught:
        _save(ten, staff, {ten.criteria.get(attribute="contact_person").pk: {"yes": (2, None)}})
    assert caught.value.code == "locked"
    assert _quotas(ten) == before


def test_a_confirmed_decision_keeps_its_quotas_after_a_step_back(staff, reference_data):
    programme = scored_programme(per_province=4, size=6)
    run = selection_run(programme=programme, actor=staff)
    members = programme.board_members.all()
    draft = decision_record(
        run=run,
        meeting_date=date(2017, 5, 2),
        quorum=2,
        votes={m.pk: (True, Vote.FOR) for m in members},
        actor=staff,
    )
    decision_confirm(decision=draft, actor=staff)
    programme.refresh_from_db()
    programme.phase = ProgrammePhase.DELIBERATION  # as a step back would
    programme.save()
    province = programme.criteria.get(attribute=DiversityAttribute.PROVINCE)
    with pytest.raises(ValidationError) as caught:
        _save(programme, staff, {province.pk: {"Limburg": (1, None)}})
    assert caught.value.code == "locked"


# --- Scaling the standard quotas, and what it means for a run ----------------------------------


def test_scale_button_fits_the_quotas_to_the_group(staff_client, staff, ten_unscaled):
    ten = ten_unscaled
    assert _quotas(ten)["contact_person"] == {"yes": (16, None)}
    # A quota staff added by hand goes too: the button replaces the quotas.
    sdg = ten.criteria.get(attribute=DiversityAttribute.SDG_STATUS)
    QuotaFactory(criterion=sdg, value="exploring", minimum=None, maximum=2)
    response = staff_client.post(
        _url(ten, "selection:criteria_scale"), {"version": quotas_version(ten)}
    )
    assert response.status_code == 302
    quotas = _quotas(ten)
    assert quotas["contact_person"] == {"yes": (8, None)}
    assert quotas["province"]["Limburg"] == (1, 3)
    assert "exploring" not in quotas["sdg_status"]
    row = Quota.history.filter(value="yes", criterion__attribute="contact_person").latest(
        "history_date"
    )
    assert row.history_user == staff and row.history_change_reason


def test_scale_with_an_old_version_is_refused(staff_client, staff, ten):
    old = quotas_version(ten)
    contact = ten.criteria.get(attribute=DiversityAttribute.CONTACT_PERSON)
    quotas_save(programme=ten, actor=staff, version=old, quotas={contact.pk: {"yes": (9, None)}})
    response = staff_client.post(_url(ten, "selection:criteria_scale"), {"version": old})
    assert response.status_code == 302
    assert _quotas(ten)["contact_person"] == {"yes": (9, None)}


def test_scale_adds_missing_standard_criteria(staff, reference_data):
    programme = ProgrammeFactory(pilot_group_size=10)
    quotas_scale_to_group(programme=programme, actor=staff, version=quotas_version(programme))
    assert programme.criteria.filter(kind=CriterionKind.DIVERSITY).count() == 8
    assert _quotas(programme)["contact_person"] == {"yes": (8, None)}


def _varied_facts(programme) -> None:
    """Every candidacy has a contact person; the other facts vary, so the standard quotas can
    hold in a small candidate set."""
    levels = ["not_started", "exploring", "active", "advanced"]
    for index, candidacy in enumerate(Candidacy.objects.filter(programme=programme).order_by("pk")):
        candidacy.has_contact_person = True
        candidacy.has_twinning = index % 2 == 0
        candidacy.flemish_gos_subsidy = index % 3 == 0
        candidacy.federal_subsidy = index % 4 == 0
        candidacy.sdg_status = levels[index % 4]
        candidacy.save()


def test_an_optimiser_run_after_scaling_a_group_of_ten_is_feasible(staff, reference_data):
    programme = scored_programme(per_province=6, size=10)
    _varied_facts(programme)
    Criterion.objects.filter(programme=programme, kind=CriterionKind.DIVERSITY).delete()
    programme_seed_criteria(programme=programme)
    # The seed already scaled: put the quotas for 20 back to see the problem first.
    for criterion in programme.criteria.filter(kind=CriterionKind.DIVERSITY):
        criterion.quotas.all().delete()
        standard = next(q for a, _n, q in DIVERSITY_CRITERIA if a == criterion.attribute)
        for value, low, high in standard:
            Quota.objects.create(criterion=criterion, value=value, minimum=low, maximum=high)
    assert selection_run(programme=programme, actor=staff).status == "infeasible"

    quotas_scale_to_group(programme=programme, actor=staff, version=quotas_version(programme))
    run = selection_run(programme=programme, actor=staff)
    assert run.status == "optimal"
    assert len(run.result["selected"]) == 10


def test_a_save_makes_the_latest_run_stale_and_the_page_says_so(staff_client, staff, run):
    programme = run.programme
    page = staff_client.get(_url(programme))
    assert page.context["latest_run"] == run
    assert not page.context["latest_freshness"].settings_changed
    response = staff_client.post(_url(programme), _post_data(page, **{"province:Limburg:min": 3}))
    assert response.status_code == 302
    assert run_freshness(user=staff, run=run).settings_changed
    page = staff_client.get(_url(programme))
    assert page.context["latest_freshness"].settings_changed
    assert 'id="latest-run"' in page.content.decode()


# --- Links to the page ---------------------------------------------------------------------------


def test_programme_page_links_to_the_criteria_page(staff_client, ten):
    body = staff_client.get(reverse("selection:programme_detail", args=[ten.pk])).content.decode()
    assert f'href="{_url(ten)}"' in body


def test_infeasible_run_links_to_the_criteria_page(staff_client, staff, reference_data):
    programme = scored_programme(per_province=4, size=6)
    province = programme.criteria.get(attribute=DiversityAttribute.PROVINCE)
    Quota.objects.filter(criterion=province, value="Limburg").update(minimum=5)
    run = selection_run(programme=programme, actor=staff)
    assert run.status == "infeasible"
    body = staff_client.get(reverse("selection:run_detail", args=[run.pk])).content.decode()
    edit = body.split('id="quotas-edit"')[1].split("</p>")[0]
    assert f'href="{_url(programme)}"' in edit


@pytest.mark.parametrize("value", ["99999999999999999999999999", "-1", "1e5", "abc", "32768"])
def test_an_out_of_range_bound_is_a_form_error(staff_client, ten, value):
    before = _quotas(ten)
    page = staff_client.get(_url(ten))
    response = staff_client.post(_url(ten), _post_data(page, **{"province:Limburg:min": value}))
    assert response.status_code == 400
    assert _quotas(ten) == before
