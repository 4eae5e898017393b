"""The decision must be the board's: its rule, one current decision, scores that cannot
change unseen, the phases, reads that never solve, and the small leaks."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from selection import optimiser
from selection.enums import (
    ConflictType,
    DecisionRule,
    DecisionStatus,
    Outcome,
    ProgrammePhase,
    ReviewStatus,
    Vote,
)
from selection.models import Candidacy, ConflictDeclaration, Decision, Programme, Quota, Score
from selection.selectors.decisions import current_decision
from selection.services.decision import decision_confirm, decision_record
from selection.services.programme import programme_set_phase
from selection.services.proposal import candidacy_withdraw, selection_run
from selection.services.scoring import conflict_declare, conflict_lift, review_save
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    ReviewFactory,
    ScoreFactory,
    UserFactory,
    municipality,
    scored_programme,
)

pytestmark = pytest.mark.django_db


def _members(programme):
    return list(programme.board_members.select_related("user").order_by("pk"))


def _record(run, staff, votes, **kwargs):
    values = {"meeting_date": date(2017, 5, 2), "quorum": 2, "votes": votes}
    values.update(kwargs)
    return decision_record(run=run, actor=staff, **values)


def _votes(programme, *choices):
    """Each member present with the given vote, in member order."""
    return {m.pk: (True, vote) for m, vote in zip(_members(programme), choices, strict=True)}


def _pilots(programme):
    return Candidacy.objects.filter(programme=programme, outcome=Outcome.PILOT).count()


# --- The decision rule ----------------------------------------------------------------


def test_twelve_members_voting_against_do_not_confirm_a_decision(reference_data, staff):
    programme = scored_programme(per_province=5, size=8, members=12)
    run = selection_run(programme=programme, actor=staff)
    draft = _record(run, staff, _votes(programme, *[Vote.AGAINST] * 12), quorum=7)
    assert draft.rule == DecisionRule.UNANIMITY
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=draft, actor=staff)
    assert error.value.code == "rule"
    assert "0 voor, 12 tegen" in error.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == DecisionStatus.DRAFT
    assert _pilots(programme) == 0
    programme.refresh_from_db()
    assert programme.phase == ProgrammePhase.DELIBERATION


@pytest.mark.parametrize("rule", [DecisionRule.UNANIMITY, DecisionRule.MAJORITY])
def test_all_against_is_refused_under_either_rule(run, staff, rule):
    draft = _record(run, staff, _votes(run.programme, *[Vote.AGAINST] * 3), rule=rule)
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=draft, actor=staff)
    assert error.value.code == "rule"
    assert _pilots(run.programme) == 0


@pytest.mark.parametrize(
    ("votes", "carried"),
    [
        ((Vote.FOR, Vote.FOR, Vote.AGAINST), True),
        ((Vote.FOR, Vote.AGAINST, Vote.ABSTAIN), False),  # a tie is no majority
        ((Vote.FOR, Vote.ABSTAIN, Vote.ABSTAIN), True),  # abstentions do not count
        ((Vote.ABSTAIN, Vote.ABSTAIN, Vote.ABSTAIN), False),  # no vote cast
        ((Vote.FOR, Vote.AGAINST, ""), False),
    ],
)
def test_simple_majority_of_the_votes_cast(run, staff, votes, carried):
    draft = _record(run, staff, _votes(run.programme, *votes), rule=DecisionRule.MAJORITY)
    if carried:
        assert decision_confirm(decision=draft, actor=staff).status == DecisionStatus.CONFIRMED
        assert _pilots(run.programme) == 20
    else:
        with pytest.raises(ValidationError) as error:
            decision_confirm(decision=draft, actor=staff)
        assert error.value.code == "rule"
        assert "simple majority" in str(error.value.messages[0]) or "meerderheid" in str(
            error.value.messages[0]
        )


@pytest.mark.parametrize(
    "votes",
    [
        (Vote.FOR, Vote.FOR, Vote.AGAINST),
        (Vote.FOR, Vote.FOR, Vote.ABSTAIN),
        (Vote.FOR, Vote.FOR, ""),
    ],
)
def test_unanimity_needs_every_member_present_for(run, staff, votes):
    draft = _record(run, staff, _votes(run.programme, *votes))
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=draft, actor=staff)
    assert error.value.code == "rule"


def test_unanimity_of_the_members_present_ignores_the_absent(run, staff):
    first, second, third = _members(run.programme)
    votes = {first.pk: (True, Vote.FOR), second.pk: (True, Vote.FOR), third.pk: (False, "")}
    decision = decision_confirm(decision=_record(run, staff, votes), actor=staff)
    assert decision.status == DecisionStatus.CONFIRMED


def test_the_quorum_cannot_exceed_the_board(run, staff):
    with pytest.raises(ValidationError) as error:
        _record(run, staff, _votes(run.programme, *[Vote.FOR] * 3), quorum=40_000)
    assert "quorum_max" in {e.code for e in error.value.error_list}
    assert not Decision.objects.exists()


def test_confirm_page_gives_the_count_when_the_rule_is_not_met(staff_client, run, staff):
    draft = _record(run, staff, _votes(run.programme, Vote.AGAINST, Vote.AGAINST, Vote.FOR))
    response = staff_client.post(
        reverse("selection:decision_confirm", args=[draft.pk]), follow=True
    )
    body = response.content.decode()
    assert "1 voor, 2 tegen" in body
    draft.refresh_from_db()
    assert draft.status == DecisionStatus.DRAFT


def test_proces_verbaal_states_the_rule_the_count_and_each_vote(staff_client, run, staff):
    first, second, third = _members(run.programme)
    votes = {
        first.pk: (True, Vote.FOR),
        second.pk: (True, Vote.AGAINST),
        third.pk: (True, Vote.FOR),
    }
    decision = decision_confirm(
        decision=_record(run, staff, votes, rule=DecisionRule.MAJORITY), actor=staff
    )
    response = staff_client.get(reverse("selection:decision_record", args=[decision.pk]))
    body = response.content.decode()
    assert "Eenvoudige meerderheid van de uitgebrachte stemmen" in body
    assert "Voor: 2 · Tegen: 1 · Onthouding: 0" in body
    rows = body.split('id="pv-members"')[1].split("</table>")[0]
    for member, vote in ((first, "Voor"), (second, "Tegen"), (third, "Voor")):
        row = rows.split(member.user.get_full_name())[1].split("</tr>")[0]
        assert vote in row


# --- One current decision ---------------------------------------------------------------


def _confirmed(run, staff):
    return decision_confirm(
        decision=_record(run, staff, _votes(run.programme, *[Vote.FOR] * 3)), actor=staff
    )


def _step_back(programme, staff):
    programme_set_phase(
        programme=programme, phase=ProgrammePhase.DELIBERATION, reason="Herbekijken.", actor=staff
    )


def test_a_draft_replacement_leaves_the_current_decision_in_force(run, staff):
    first = _confirmed(run, staff)
    _step_back(run.programme, staff)
    draft = _record(run, staff, _votes(run.programme, *[Vote.FOR] * 3), supersedes=first)
    assert draft.status == DecisionStatus.DRAFT
    assert current_decision(programme=run.programme) == first
    decision_confirm(decision=draft, actor=staff)
    assert current_decision(programme=run.programme) == draft


def test_the_database_holds_one_first_confirmed_decision(run, staff):
    first = _confirmed(run, staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            programme=run.programme,
            run=run,
            meeting_date=date(2017, 6, 1),
            quorum=1,
            status=DecisionStatus.CONFIRMED,
            confirmed_at=timezone.now(),
            created_by=staff,
        )
    assert current_decision(programme=run.programme) == first


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_racing_leave_one_current_decision(reference_data):
    staff = UserFactory(is_staff=True, password=None)
    programme = scored_programme(per_province=5, size=8)
    run = selection_run(programme=programme, actor=staff)
    drafts = [_record(run, staff, _votes(programme, *[Vote.FOR] * 3)) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(draft):
        try:
            barrier.wait()
            decision_confirm(decision=draft, actor=staff)
            outcomes.append("confirmed")
        except (ValidationError, IntegrityError) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ValidationError", "confirmed"]
    assert Decision.objects.filter(status=DecisionStatus.CONFIRMED).count() == 1
    assert current_decision(programme=programme) is not None


# --- Scores cannot change unseen ---------------------------------------------------------


def _change_a_score(programme, nis="41024"):
    score = Score.objects.filter(
        review__candidacy__programme=programme, review__candidacy__municipality_id=nis
    ).first()
    score.value = 5 if score.value != 5 else 1
    score.save()


def test_the_run_keeps_the_hash_of_its_scores(run):
    assert len(run.scores_hash) == 64
    assert len(run.candidacy_score_hashes) == 50
    assert len(run.settings_hash) == 64


def test_a_score_changed_after_the_run_blocks_confirmation(run, staff):
    draft = _record(run, staff, _votes(run.programme, *[Vote.FOR] * 3))
    _change_a_score(run.programme)
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=draft, actor=staff)
    assert "scores_changed" in {e.code for e in error.value.error_list}
    assert "Haaltert" in " ".join(error.value.messages)
    assert _pilots(run.programme) == 0


def test_decision_page_names_the_changed_candidacies_and_offers_a_rerun(staff_client, run, staff):
    draft = _record(run, staff, _votes(run.programme, *[Vote.FOR] * 3))
    _change_a_score(run.programme)
    response = staff_client.get(reverse("selection:decision_detail", args=[draft.pk]))
    body = response.content.decode()
    changed = body.split('id="changed-candidacies"')[1].split("</ul>")[0]
    assert "Haaltert" in changed
    assert changed.count("<li>") == 1
    assert f'action="{reverse("selection:proposal", args=[run.programme.pk])}"' in body
    # The re-run it offers is decidable.
    response = staff_client.post(
        reverse("selection:proposal", args=[run.programme.pk]), {"method": run.aggregation}
    )
    assert response.status_code == 302
    new = run.programme.selection_runs.order_by("-pk").first()
    assert new.pk != run.pk
    page = staff_client.get(reverse("selection:run_detail", args=[new.pk]))
    assert page.context["report"].decidable is True
    decision = _record(new, staff, _votes(run.programme, *[Vote.FOR] * 3))
    assert decision_confirm(decision=decision, actor=staff).status == DecisionStatus.CONFIRMED


def test_a_quota_change_after_the_run_makes_it_stale(staff_client, run, staff):
    quota = Quota.objects.filter(criterion__programme=run.programme).first()
    quota.maximum = (quota.maximum or 10) + 1
    quota.save()
    page = staff_client.get(reverse("selection:run_detail", args=[run.pk]))
    assert page.context["report"].decidable is False
    assert 'id="run-stale"' in page.content.decode()
    with pytest.raises(ValidationError) as error:
        _record(run, staff, _votes(run.programme, *[Vote.FOR] * 3))
    assert "run_stale" in {e.code for e in error.value.error_list}


def test_a_board_change_after_the_run_makes_it_stale(run, staff):
    BoardMemberFactory(programme=run.programme, user__password=None)
    with pytest.raises(ValidationError) as error:
        _record(run, staff, _votes(run.programme, *[Vote.FOR] * 4))
    assert "run_stale" in {e.code for e in error.value.error_list}


# --- Phases -----------------------------------------------------------------------------


@pytest.fixture
def fresh(programme):
    programme.phase = ProgrammePhase.APPLICATIONS
    programme.save()
    return programme


def test_phases_move_forward_one_step_at_a_time(fresh, staff):
    with pytest.raises(ValidationError) as error:
        programme_set_phase(programme=fresh, phase=ProgrammePhase.DELIBERATION, actor=staff)
    assert error.value.code == "skip"
    programme_set_phase(programme=fresh, phase=ProgrammePhase.SCORING, actor=staff)
    programme_set_phase(programme=fresh, phase=ProgrammePhase.DELIBERATION, actor=staff)
    with pytest.raises(ValidationError) as error:
        programme_set_phase(programme=fresh, phase=ProgrammePhase.DECIDED, actor=staff)
    assert error.value.code == "decided_by_decision"
    fresh.refresh_from_db()
    assert fresh.phase == ProgrammePhase.DELIBERATION


def test_a_step_back_needs_a_reason_kept_in_history(fresh, staff):
    programme_set_phase(programme=fresh, phase=ProgrammePhase.SCORING, actor=staff)
    with pytest.raises(ValidationError) as error:
        programme_set_phase(programme=fresh, phase=ProgrammePhase.APPLICATIONS, actor=staff)
    assert error.value.code == "reason_required"
    programme_set_phase(
        programme=fresh, phase=ProgrammePhase.APPLICATIONS, reason="Oproep verlengd.", actor=staff
    )
    latest = fresh.history.latest()
    assert latest.phase == ProgrammePhase.APPLICATIONS
    assert latest.history_change_reason == "Oproep verlengd."
    assert latest.history_user == staff


def test_only_staff_move_the_phase(fresh, board_member):
    with pytest.raises(PermissionDenied):
        programme_set_phase(programme=fresh, phase=ProgrammePhase.SCORING, actor=board_member.user)


def test_programme_page_moves_the_phase_and_asks_a_reason_to_step_back(staff_client, fresh):
    url = reverse("selection:programme_phase", args=[fresh.pk])
    response = staff_client.post(url, {"phase": ProgrammePhase.SCORING})
    assert response.status_code == 302
    response = staff_client.post(url, {"phase": ProgrammePhase.APPLICATIONS, "reason": ""})
    assert response.status_code == 400
    assert "Geef een reden" in response.content.decode()
    fresh.refresh_from_db()
    assert fresh.phase == ProgrammePhase.SCORING
    page = staff_client.get(reverse("selection:programme_detail", args=[fresh.pk]))
    assert page.status_code == 200
    assert 'id="phase-back"' in page.content.decode()


def test_the_phase_is_read_only_in_the_admin(client, fresh):
    admin = UserFactory(is_staff=True, is_superuser=True, password=None)
    client.force_login(admin)
    page = client.get(reverse("admin:selection_programme_change", args=[fresh.pk]))
    assert page.status_code == 200
    assert 'name="phase"' not in page.content.decode()


def test_runs_only_in_the_deliberation(fresh, staff):
    for phase in (ProgrammePhase.APPLICATIONS, ProgrammePhase.SCORING):
        Programme.objects.filter(pk=fresh.pk).update(phase=phase)
        fresh.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            selection_run(programme=fresh, actor=staff)
        assert error.value.code == "phase"


def test_deliberation_freezes_scores_and_declarations(reference_data):
    programme = scored_programme(per_province=2, size=4, phase=ProgrammePhase.SCORING)
    member = _members(programme)[0]
    candidacy = Candidacy.objects.filter(programme=programme).first()
    staff = UserFactory(is_staff=True, password=None)
    programme_set_phase(programme=programme, phase=ProgrammePhase.DELIBERATION, actor=staff)
    review = member.reviews.get(candidacy=candidacy)
    with pytest.raises(PermissionDenied):
        review_save(
            member=member,
            candidacy=candidacy,
            scores={},
            comments={},
            comment="",
            submit=False,
            version=review.version,
            actor=member.user,
        )
    with pytest.raises(PermissionDenied):
        conflict_declare(
            member=member,
            candidacy=candidacy,
            conflict_type=ConflictType.FINANCIAL,
            note="",
            actor=member.user,
        )
    assert member.reviews.get(candidacy=candidacy).status == ReviewStatus.SUBMITTED


# --- Reads never solve -----------------------------------------------------------------


def test_the_run_page_never_solves(staff_client, run, staff, monkeypatch):
    candidacy_withdraw(
        candidacy=Candidacy.objects.get(programme=run.programme, municipality_id="71016"),
        actor=staff,
    )
    run.refresh_from_db()
    assert [row["withdrawn"] for row in run.reserve] == ["71016"]

    def refuse(*args, **kwargs):
        raise AssertionError("a page read ran the optimiser")

    monkeypatch.setattr(optimiser, "solve", refuse)
    monkeypatch.setattr(optimiser, "propose_replacement", refuse)
    response = staff_client.get(reverse("selection:run_detail", args=[run.pk]))
    assert response.status_code == 200
    assert len(response.context["report"].reserve) == 1
    assert 'id="reserve"' in response.content.decode()


# --- Small leaks --------------------------------------------------------------------------


@pytest.fixture
def scoring_dossier(programme):
    programme.phase = ProgrammePhase.SCORING
    programme.save()
    candidacy = CandidacyFactory(programme=programme, municipality=municipality("23027"))
    criterion = CriterionFactory(programme=programme)
    return programme, candidacy, criterion


def _scored_by(programme, candidacy, criterion, *, active, value, comment):
    member = BoardMemberFactory(programme=programme, active=active, user__password=None)
    ConflictDeclarationFactory(member=member, candidacy=candidacy, conflict_type=ConflictType.NONE)
    review = ReviewFactory(
        member=member, candidacy=candidacy, status=ReviewStatus.SUBMITTED, comment=comment
    )
    ScoreFactory(review=review, criterion=criterion, value=value)
    return member


def test_dossier_shows_other_scores_only_from_active_members(client, scoring_dossier):
    programme, candidacy, criterion = scoring_dossier
    programme.score_visibility = "always"
    programme.save()
    _scored_by(programme, candidacy, criterion, active=True, value=4, comment="ACTIEF-LID")
    _scored_by(programme, candidacy, criterion, active=False, value=1, comment="OUD-LID-GEHEIM")
    reader = BoardMemberFactory(programme=programme, user__password=None)
    ConflictDeclarationFactory(member=reader, candidacy=candidacy, conflict_type=ConflictType.NONE)
    client.force_login(reader.user)
    body = client.get(reverse("selection:board_dossier", args=[candidacy.pk])).content.decode()
    assert "ACTIEF-LID" in body
    assert "OUD-LID-GEHEIM" not in body


def test_a_member_cannot_lift_their_own_conflict(client, scoring_dossier):
    programme, candidacy, _criterion = scoring_dossier
    member = BoardMemberFactory(programme=programme, user__password=None)
    ConflictDeclarationFactory(
        member=member, candidacy=candidacy, conflict_type=ConflictType.EMPLOYMENT
    )
    with pytest.raises(ValidationError) as error:
        conflict_declare(
            member=member,
            candidacy=candidacy,
            conflict_type=ConflictType.NONE,
            note="",
            actor=member.user,
        )
    assert error.value.code == "lift_by_staff"
    client.force_login(member.user)
    response = client.post(
        reverse("selection:board_declare", args=[candidacy.pk]), {"conflict_type": "none"}
    )
    assert response.status_code == 200
    assert ConflictDeclaration.objects.get(member=member).conflict_type == ConflictType.EMPLOYMENT
    assert client.get(reverse("selection:board_dossier", args=[candidacy.pk])).status_code == 404


def test_staff_lift_a_conflict_with_a_reason_and_the_progress_page_shows_it(
    staff_client, staff, scoring_dossier
):
    programme, candidacy, _criterion = scoring_dossier
    member = BoardMemberFactory(programme=programme, user__password=None)
    declaration = ConflictDeclarationFactory(
        member=member, candidacy=candidacy, conflict_type=ConflictType.EMPLOYMENT
    )
    url = reverse("selection:conflict_lift", args=[declaration.pk])
    staff_client.post(url, {"reason": ""})
    declaration.refresh_from_db()
    assert declaration.has_conflict
    staff_client.post(url, {"reason": "Verkeerd aangeduid; bevestigd per e-mail."})
    declaration.refresh_from_db()
    assert declaration.conflict_type == ConflictType.NONE
    assert declaration.lifted_by == staff
    assert declaration.history.latest().history_user == staff
    page = staff_client.get(reverse("selection:progress", args=[programme.pk]))
    lifted = page.content.decode().split('id="lifted-conflicts"')[1].split("</ul>")[0]
    assert "Verkeerd aangeduid; bevestigd per e-mail." in lifted
    with pytest.raises(PermissionDenied):
        conflict_lift(declaration=declaration, actor=member.user, reason="zelf")


def test_a_superuser_with_a_seat_cannot_score_outside_the_scoring_phase(scoring_dossier):
    programme, candidacy, criterion = scoring_dossier
    admin = UserFactory(is_staff=True, is_superuser=True, password=None)
    seat = BoardMemberFactory(programme=programme, user=admin)
    ConflictDeclarationFactory(member=seat, candidacy=candidacy, conflict_type=ConflictType.NONE)
    programme.phase = ProgrammePhase.DELIBERATION
    programme.save()
    with pytest.raises(PermissionDenied):
        review_save(
            member=seat,
            candidacy=candidacy,
            scores={criterion.pk: 5},
            comments={},
            comment="",
            submit=False,
            version=0,
            actor=admin,
        )
    assert not Score.objects.exists()


def test_a_superuser_with_a_conflict_cannot_open_the_dossier(client, scoring_dossier):
    programme, candidacy, _criterion = scoring_dossier
    admin = UserFactory(is_staff=True, is_superuser=True, password=None)
    seat = BoardMemberFactory(programme=programme, user=admin)
    ConflictDeclarationFactory(
        member=seat, candidacy=candidacy, conflict_type=ConflictType.POLITICAL
    )
    client.force_login(admin)
    assert client.get(reverse("selection:board_dossier", args=[candidacy.pk])).status_code == 404
