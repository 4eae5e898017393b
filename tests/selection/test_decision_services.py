"""The board's decision: draft, amendments, quorum, confirmation, freezing, superseding."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from selection.enums import (
    AmendmentAction,
    ConflictType,
    DecisionStatus,
    Outcome,
    ProgrammePhase,
    Vote,
)
from selection.models import Amendment, Candidacy, Decision, DecisionVote, Score
from selection.selectors.decisions import decision_tally
from selection.selectors.scores import score_fingerprint, scores_payload
from selection.services.decision import (
    decision_confirm,
    decision_discard,
    decision_record,
    decision_update,
)
from selection.services.programme import programme_set_phase
from selection.services.proposal import candidacy_withdraw, selection_run
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    municipality,
    scored_programme,
)

pytestmark = pytest.mark.django_db


def _members(programme):
    return list(programme.board_members.order_by("pk"))


def _all_for(programme):
    return {m.pk: (True, Vote.FOR) for m in _members(programme)}


def _candidacy(programme, nis):
    return Candidacy.objects.get(programme=programme, municipality_id=nis)


def _record(run, actor, **kwargs):
    defaults = {
        "meeting_date": date(2017, 5, 2),
        "meeting_location": "VVSG, Brussel",
        "quorum": 2,
        "minutes": "De klankbordgroep bespreekt het voorstel.",
        "votes": _all_for(run.programme),
        "amendments": [],
    }
    defaults.update(kwargs)
    return decision_record(run=run, actor=actor, **defaults)


def test_decision_record_keeps_the_proposal_as_a_draft(run, staff):
    decision = _record(run, staff)
    assert decision.status == DecisionStatus.DRAFT
    assert decision.created_by == staff
    assert set(decision.selected.values_list("municipality_id", flat=True)) == set(
        run.result["selected"]
    )
    assert decision.votes.count() == 3
    assert decision.scores_hash == ""


def test_decision_record_amendment_swaps_a_municipality(run, staff):
    programme = run.programme
    decision = _record(
        run,
        staff,
        amendments=[
            (_candidacy(programme, "41024"), AmendmentAction.REMOVE, "Trekt zich terug."),
            (_candidacy(programme, "23002"), AmendmentAction.ADD, "Sterk netwerk."),
        ],
    )
    group = set(decision.selected.values_list("municipality_id", flat=True))
    assert group == (set(run.result["selected"]) - {"41024"}) | {"23002"}
    assert set(decision.amendments.values_list("candidacy__municipality_id", "reason")) == {
        ("41024", "Trekt zich terug."),
        ("23002", "Sterk netwerk."),
    }


def test_decision_record_amendment_needs_a_reason(run, staff):
    programme = run.programme
    with pytest.raises(ValidationError) as error:
        _record(
            run,
            staff,
            amendments=[
                (_candidacy(programme, "41024"), AmendmentAction.REMOVE, "Trekt zich terug."),
                (_candidacy(programme, "23002"), AmendmentAction.ADD, "   "),
            ],
        )
    assert "amendment_reason" in {e.code for e in error.value.error_list}
    assert not Decision.objects.exists()


def test_decision_record_group_must_have_exactly_the_size(run, staff):
    programme = run.programme
    with pytest.raises(ValidationError) as error:
        _record(
            run,
            staff,
            amendments=[(_candidacy(programme, "23002"), AmendmentAction.ADD, "Ook erbij.")],
        )
    assert {e.code for e in error.value.error_list} == {"size"}
    with pytest.raises(ValidationError) as error:
        _record(
            run,
            staff,
            amendments=[(_candidacy(programme, "41024"), AmendmentAction.REMOVE, "Eruit.")],
        )
    assert {e.code for e in error.value.error_list} == {"size"}
    assert not Decision.objects.exists()


def test_decision_record_refuses_adding_a_selected_or_removing_an_unselected(run, staff):
    programme = run.programme
    with pytest.raises(ValidationError) as error:
        _record(
            run,
            staff,
            amendments=[
                (_candidacy(programme, "41024"), AmendmentAction.ADD, "Al gekozen."),
                (_candidacy(programme, "23002"), AmendmentAction.REMOVE, "Niet gekozen."),
            ],
        )
    assert {"amendment_add", "amendment_remove"} <= {e.code for e in error.value.error_list}


def test_decision_record_refuses_a_withdrawn_candidacy_in_the_group(run, staff):
    candidacy_withdraw(candidacy=_candidacy(run.programme, "41024"), actor=staff)
    with pytest.raises(ValidationError) as error:
        _record(run, staff)
    assert {e.code for e in error.value.error_list} == {"withdrawn"}


def test_decision_record_absent_member_cannot_vote(run, staff):
    member = _members(run.programme)[0]
    votes = _all_for(run.programme) | {member.pk: (False, Vote.FOR)}
    with pytest.raises(ValidationError):
        _record(run, staff, votes=votes)


def test_decision_record_refuses_votes_of_someone_not_on_the_board(run, staff):
    outsider = BoardMemberFactory(user__password=None)
    votes = _all_for(run.programme) | {outsider.pk: (True, Vote.FOR)}
    with pytest.raises(ValidationError):
        _record(run, staff, votes=votes)


def test_decision_record_left_out_members_are_absent(run, staff):
    first, *rest = _members(run.programme)
    decision = _record(run, staff, votes={m.pk: (True, Vote.FOR) for m in rest})
    assert DecisionVote.objects.get(decision=decision, member=first).present is False


def test_decision_record_refuses_a_board_member(run):
    member = _members(run.programme)[0]
    with pytest.raises(PermissionDenied):
        _record(run, member.user)


def test_decision_record_refuses_an_infeasible_run(scored, staff):
    run = selection_run(programme=scored, actor=staff)
    run.status = "infeasible"
    run.save()
    with pytest.raises(ValidationError):
        _record(run, staff)


def test_unanimity_all_present_voted_for(run, staff):
    first, second, third = _members(run.programme)
    decision = _record(
        run,
        staff,
        votes={first.pk: (True, Vote.FOR), second.pk: (True, Vote.FOR), third.pk: (False, "")},
    )
    assert decision_tally(decision).rule_met is True


@pytest.mark.parametrize("other_vote", [Vote.AGAINST, Vote.ABSTAIN, ""])
def test_unanimity_fails_with_any_other_vote_of_a_present_member(run, staff, other_vote):
    first, second, third = _members(run.programme)
    decision = _record(
        run,
        staff,
        votes={
            first.pk: (True, Vote.FOR),
            second.pk: (True, Vote.FOR),
            third.pk: (True, other_vote),
        },
    )
    assert decision_tally(decision).rule_met is False


def test_decision_confirm_needs_the_quorum(run, staff):
    first, *_rest = _members(run.programme)
    decision = _record(run, staff, quorum=2, votes={first.pk: (True, Vote.FOR)})
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=decision, actor=staff)
    assert error.value.code == "quorum"
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    assert not Candidacy.objects.filter(programme=run.programme, outcome=Outcome.PILOT).exists()


def test_decision_confirm_sets_pilot_and_outreach_and_the_phase(run, staff):
    programme = run.programme
    withdrawn = _candidacy(programme, "23002")  # not selected
    candidacy_withdraw(candidacy=withdrawn, actor=staff)
    decision = decision_confirm(decision=_record(run, staff), actor=staff)
    assert decision.status == DecisionStatus.CONFIRMED
    assert decision.confirmed_by == staff
    assert decision.confirmed_at is not None
    outcomes = dict(
        Candidacy.objects.filter(programme=programme).values_list("municipality_id", "outcome")
    )
    pilots = {nis for nis, outcome in outcomes.items() if outcome == Outcome.PILOT}
    outreach = {nis for nis, outcome in outcomes.items() if outcome == Outcome.OUTREACH}
    assert pilots == set(run.result["selected"])
    assert len(pilots) == 20
    assert len(outreach) == 29
    assert outcomes["23002"] == Outcome.WITHDRAWN
    programme.refresh_from_db()
    assert programme.phase == ProgrammePhase.DECIDED


def _hash(programme, nis_codes=None):
    if nis_codes is None:
        nis_codes = programme.candidacies.values_list("municipality_id", flat=True)
    return score_fingerprint(programme=programme, nis_codes=nis_codes).total


def test_decision_confirm_stores_the_hash_of_the_scores_the_run_was_computed_on(run, staff):
    nis_codes = [c["id"] for c in run.input["candidates"]]
    assert run.scores_hash == _hash(run.programme, nis_codes)
    decision = decision_confirm(decision=_record(run, staff), actor=staff)
    assert decision.scores_hash == run.scores_hash
    payload = scores_payload(programme=run.programme, nis_codes=nis_codes)
    # 50 candidacies x 3 members x 2 criteria, all counted.
    assert sum(len(rows) for rows in payload.values()) == 300
    assert set(payload) == set(nis_codes)


def test_scores_hash_ignores_a_conflicted_members_scores_and_sees_a_change(run, staff):
    programme = run.programme
    before = _hash(programme)
    member = _members(programme)[0]
    candidacy = _candidacy(programme, "41024")
    Score.objects.filter(review__member=member, review__candidacy=candidacy).update(value=5)
    changed = _hash(programme)
    assert changed != before
    declaration = member.conflict_declarations.get(candidacy=candidacy)
    declaration.conflict_type = ConflictType.EMPLOYMENT
    declaration.save()
    Score.objects.filter(review__member=member, review__candidacy=candidacy).update(value=1)
    conflicted = _hash(programme)
    Score.objects.filter(review__member=member, review__candidacy=candidacy).update(value=4)
    assert _hash(programme) == conflicted


def _refused(change):
    """The change raises, and (in its own savepoint) leaves the database as it was."""
    with pytest.raises(ValidationError) as error, transaction.atomic():
        change()
    assert error.value.code == "frozen"


def test_confirmed_decision_is_frozen(run, staff):
    decision = decision_confirm(decision=_record(run, staff), actor=staff)
    _refused(lambda: decision_update(decision=decision, actor=staff, minutes="Achteraf."))
    decision.refresh_from_db()
    decision.minutes = "Achteraf aangepast."
    _refused(decision.save)
    _refused(lambda: decision_discard(decision=decision, actor=staff))
    _refused(decision.delete)
    vote = decision.votes.first()
    vote.vote = Vote.AGAINST
    _refused(vote.save)
    _refused(vote.delete)
    outsider = _candidacy(run.programme, "23002")
    _refused(
        lambda: Amendment.objects.create(
            decision=decision,
            candidacy=outsider,
            action=AmendmentAction.ADD,
            reason="Later toegevoegd.",
        )
    )
    _refused(lambda: decision.selected.add(outsider))
    _refused(lambda: outsider.pilot_decisions.add(decision))
    _refused(decision.selected.clear)
    _refused(lambda: _candidacy(run.programme, "41024").pilot_decisions.clear())
    decision.refresh_from_db()
    assert decision.minutes == "De klankbordgroep bespreekt het voorstel."
    assert decision.selected.count() == 20
    assert decision.votes.filter(vote=Vote.FOR).count() == 3
    assert not decision.amendments.exists()


def test_confirming_twice_is_refused(run, staff):
    decision = decision_confirm(decision=_record(run, staff), actor=staff)
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=decision, actor=staff)
    assert error.value.code == "confirmed"


def test_draft_decision_can_be_updated_and_discarded(run, staff):
    decision = _record(run, staff)
    decision_update(decision=decision, actor=staff, minutes="Aangevuld.")
    decision.refresh_from_db()
    assert decision.minutes == "Aangevuld."
    decision_discard(decision=decision, actor=staff)
    assert not Decision.objects.exists()


def _back_to_deliberation(programme, staff):
    programme_set_phase(
        programme=programme,
        phase=ProgrammePhase.DELIBERATION,
        reason="Een gemeente trekt zich terug.",
        actor=staff,
    )


def test_new_decision_must_supersede_the_confirmed_one(run, staff):
    old = decision_confirm(decision=_record(run, staff), actor=staff)
    _back_to_deliberation(run.programme, staff)
    with pytest.raises(ValidationError) as error:
        _record(run, staff)
    assert error.value.code == "supersedes_required"
    programme = run.programme
    new = _record(
        run,
        staff,
        meeting_date=date(2017, 6, 1),
        supersedes=old,
        amendments=[
            (_candidacy(programme, "41024"), AmendmentAction.REMOVE, "Trekt zich terug."),
            (_candidacy(programme, "23002"), AmendmentAction.ADD, "Eerste reserve."),
        ],
    )
    assert new.supersedes == old
    decision_confirm(decision=new, actor=staff)
    old.refresh_from_db()
    assert old.superseded_by == new
    assert old.status == DecisionStatus.CONFIRMED
    outcomes = dict(
        Candidacy.objects.filter(programme=programme).values_list("municipality_id", "outcome")
    )
    assert outcomes["41024"] == Outcome.OUTREACH
    assert outcomes["23002"] == Outcome.PILOT
    # The old record itself did not change.
    assert "41024" in set(old.selected.values_list("municipality_id", flat=True))


def test_only_a_confirmed_decision_can_be_superseded(run, staff):
    draft = _record(run, staff)
    with pytest.raises(ValidationError) as error:
        _record(run, staff, supersedes=draft)
    assert error.value.code == "supersedes_draft"


def test_a_decision_cannot_be_superseded_twice(run, staff):
    old = decision_confirm(decision=_record(run, staff), actor=staff)
    _back_to_deliberation(run.programme, staff)
    _record(run, staff, supersedes=old)
    with pytest.raises(ValidationError) as error:
        _record(run, staff, supersedes=old)
    assert error.value.code == "supersedes_taken"


def test_a_decision_of_another_programme_cannot_be_superseded(run, staff, reference_data):
    other_programme = scored_programme(per_province=5, size=8)
    other_run = selection_run(programme=other_programme, actor=staff)
    other = decision_confirm(
        decision=_record(other_run, staff, votes=_all_for(other_programme)), actor=staff
    )
    with pytest.raises(ValidationError) as error:
        _record(run, staff, supersedes=other)
    assert error.value.code == "supersedes"


def test_conflict_declarations_do_not_break_confirmation(scored, staff):
    member = _members(scored)[0]
    extra = CandidacyFactory(programme=scored, municipality=municipality("44021"))
    ConflictDeclarationFactory(
        member=member, candidacy=extra, conflict_type=ConflictType.EMPLOYMENT
    )
    run = selection_run(programme=scored, actor=staff)
    decision_confirm(decision=_record(run, staff), actor=staff)
    extra.refresh_from_db()
    assert extra.outcome in {Outcome.PILOT, Outcome.OUTREACH}


def test_a_candidacy_submitted_after_the_run_makes_the_run_stale(run, staff):
    draft = _record(run, staff)
    CandidacyFactory(programme=run.programme, municipality=municipality("44021"))
    with pytest.raises(ValidationError) as error:
        decision_confirm(decision=draft, actor=staff)
    assert "run_stale" in {e.code for e in error.value.error_list}
    assert not Candidacy.objects.filter(programme=run.programme, outcome=Outcome.PILOT).exists()
