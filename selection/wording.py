"""Every sentence about an optimiser result, in the active language.

The optimiser (``selection.optimiser``) returns codes and numbers only; this module is the
one place that says them in words, through gettext. The web pages call it in the user's
language; ``selection_solve --format text`` and the benchmark report call it under
``translation.override("en")``, so the command line and an English page say the same
sentence for the same run.

Every function takes the JSON shape of ``selection.optimiser.serialise`` (dicts), which is
also what a stored run keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from selection.enums import AggregationMethod
from selection.facts import quota_label


def _quota(item: Mapping[str, Any]) -> str:
    return quota_label(item.get("attribute") or "", item.get("value") or "")


def _fmt(number: float) -> str:
    return f"{float(number):.2f}"


def reason_words(code: Mapping[str, Any] | str | None) -> str:
    """Why a candidate is (not) selected, from its reason code."""
    if not code:
        return ""
    if isinstance(code, str):
        # A run stored before results held codes only kept an English sentence here.
        return code
    kind = code.get("kind")
    params = {"rank": code.get("rank"), "quota": _quota(code), "limit": code.get("limit")}
    if kind == "rank":
        return _("selected: rank %(rank)s by score") % params
    if kind == "quota_min":
        return _("selected to meet the quota %(quota)s ≥ %(limit)s") % params
    if kind == "included":
        return _("selected: included by hand")
    if kind == "below_last":
        return _("not selected: score lower than the last selected")
    if kind == "quota_max_full":
        return _("not selected: the quota %(quota)s ≤ %(limit)s is full") % params
    if kind == "excluded":
        return _("not selected: excluded by hand")
    if kind == "tie":
        return _("not selected: equal score, lost the tie-break")
    if kind == "places_reserved":
        return _(
            "not selected: the places it could take are needed for minimum quotas or held "
            "by candidates included by hand"
        )
    return str(kind)


def bound_words(bound: Mapping[str, Any]) -> str:
    """E.g. "Province: Limburg at least 3"."""
    params = {"quota": _quota(bound), "limit": bound["limit"]}
    if bound["bound"] == "min":
        return _("%(quota)s at least %(limit)s") % params
    return _("%(quota)s at most %(limit)s") % params


def bound_symbol(bound: Mapping[str, Any]) -> str:
    """E.g. "Province: Limburg ≥ 3"."""
    symbol = "≥" if bound["bound"] == "min" else "≤"
    return f"{_quota(bound)} {symbol} {bound['limit']}"


def conflict_words(conflict: Mapping[str, Any]) -> str:
    """One reason why no selection is possible, from its conflict code and counts."""
    kind = conflict.get("kind")
    size = conflict.get("size")
    if kind == "included_and_excluded":
        return _("candidate %(candidate)s is both included and excluded by hand") % {
            "candidate": conflict.get("candidate")
        }
    if kind == "too_many_included":
        return _("%(included)s candidates are included by hand, but only %(size)s are selected") % {
            "included": conflict.get("included"),
            "size": size,
        }
    if kind == "too_few_candidates":
        params = {
            "available": conflict.get("available"),
            "excluded": conflict.get("excluded") or 0,
            "size": size,
        }
        if not params["excluded"]:
            return (
                _("only %(available)s candidates are available, but %(size)s must be selected")
                % params
            )
        return (
            ngettext(
                "only %(available)s candidates are available after %(excluded)s exclusion, "
                "but %(size)s must be selected",
                "only %(available)s candidates are available after %(excluded)s exclusions, "
                "but %(size)s must be selected",
                params["excluded"],
            )
            % params
        )
    quotas = conflict.get("quotas") or []
    bounds = [bound_words(b) for b in quotas]
    if len(bounds) == 1:
        return _single_conflict_words(conflict, quotas[0], bounds[0])
    if len(bounds) == 2:
        return _("%(first)s and %(second)s cannot both hold when selecting %(size)s") % {
            "first": bounds[0],
            "second": bounds[1],
            "size": size,
        }
    return _("%(bounds)s and %(last)s cannot all hold when selecting %(size)s") % {
        "bounds": ", ".join(bounds[:-1]),
        "last": bounds[-1] if bounds else "",
        "size": size,
    }


def _single_conflict_words(conflict: Mapping[str, Any], bound: Mapping[str, Any], words: str):
    """One quota bound that cannot hold on its own, with the count that shows why."""
    cause = conflict.get("cause")
    size = conflict.get("size") or 0
    available = conflict.get("available") or 0
    params = {
        "bound": words,
        "quota": _quota(bound),
        "count": available,
        "size": size,
        "included": conflict.get("included"),
    }
    if cause == "group_too_small":
        if conflict.get("excluded"):
            return (
                ngettext(
                    "%(bound)s cannot hold: only %(count)s candidate has %(quota)s after "
                    "exclusions",
                    "%(bound)s cannot hold: only %(count)s candidates have %(quota)s after "
                    "exclusions",
                    available,
                )
                % params
            )
        return (
            ngettext(
                "%(bound)s cannot hold: only %(count)s candidate has %(quota)s",
                "%(bound)s cannot hold: only %(count)s candidates have %(quota)s",
                available,
            )
            % params
        )
    if cause == "above_size":
        return _("%(bound)s cannot hold: only %(size)s candidates are selected") % params
    if cause == "included_outside":
        return (
            _(
                "%(bound)s cannot hold: %(included)s of the %(size)s places are taken by "
                "candidates included by hand outside %(quota)s"
            )
            % params
        )
    if cause == "included_inside":
        return (
            ngettext(
                "%(bound)s cannot hold: %(included)s candidate with %(quota)s is included by hand",
                "%(bound)s cannot hold: %(included)s candidates with %(quota)s are included by "
                "hand",
                params["included"] or 0,
            )
            % params
        )
    if cause == "outside_too_small":
        params["need"] = size - available
        return (
            ngettext(
                "%(bound)s cannot hold: only %(count)s available candidate is outside "
                "%(quota)s, so at least %(need)s of the %(size)s selected have it",
                "%(bound)s cannot hold: only %(count)s available candidates are outside "
                "%(quota)s, so at least %(need)s of the %(size)s selected have it",
                available,
            )
            % params
        )
    return _("%(bound)s cannot hold with these candidates") % params


def change_words(change: Mapping[str, Any]) -> str:
    """One suggested quota change, e.g. "lower the minimum of Province: Limburg from 3 to 2"."""
    params = {"quota": _quota(change), "from": change["from"], "to": change["to"]}
    if change["bound"] == "min":
        return _("lower the minimum of %(quota)s from %(from)s to %(to)s") % params
    return _("raise the maximum of %(quota)s from %(from)s to %(to)s") % params


def note_words(note: str | None) -> str:
    """What a result does not prove, from its note code (empty when all is proven)."""
    if not note:
        return ""
    if note == "solver_failed":
        return _("The solver failed: there is no selection.")
    if note == "no_selection_in_time":
        return _("No selection was found within the time limit.")
    if note == "not_proven_optimal":
        return _(
            "The time limit was reached: the selection meets every quota but is not proven optimal."
        )
    if note == "tie_break_cut_off":
        return _(
            "The total score is optimal, but the time limit cut the tie-break short: not all "
            "selections with the same total were compared."
        )
    if note == "tie_break_unusable":
        return _(
            "The tie-break gave no usable answer; the selection keeps the proven optimal total "
            "score."
        )
    return str(note)


def tie_break_words(tie_break: Mapping[str, Any] | None) -> str:
    """The tie-break rule of a result, with its seed."""
    if not tie_break:
        return ""
    return _(
        "Among the selections with the optimal total score, the one with the largest sum of "
        "priorities wins. A candidate's priority is the number formed by the first 8 "
        "hexadecimal digits of SHA-256 of “%(seed)s:” followed by its id. Rankings follow the "
        "score, then the priority."
    ) % {"seed": tie_break.get("seed", "")}


def status_words(status: str) -> str:
    """The short label of a run's status (the same words as its badge on the web)."""
    labels = {
        "optimal": _("optimal"),
        "infeasible": _("infeasible"),
        "time_limit": _("time limit reached"),
    }
    return labels.get(status, _("solver error"))


def method_label(method: str) -> str:
    return str(AggregationMethod(method).label) if method in AggregationMethod.values else method


def _line(label: str, value: str) -> str:
    return _("%(attribute)s: %(value)s") % {"attribute": label, "value": value}


def explanation(result: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> list[str]:
    """A whole result as lines of text, as the run page shows it (the command line's output).

    ``data`` is the optimiser input the result was computed from; with it every candidate's
    score is shown and the candidates not selected are listed by score, as on the run page.
    """
    scores = {c["id"]: float(c.get("score") or 0.0) for c in (data or {}).get("candidates", [])}
    lines = [status_words(str(result.get("status")))]
    if result.get("note"):
        lines.append(note_words(result["note"]))
    if result.get("status") == "infeasible":
        lines.append(_("The quotas cannot all hold"))
        lines += [f"- {conflict_words(c)}" for c in result.get("conflicts", [])]
        if result.get("suggestion"):
            lines.append(_("The smallest change that makes a selection possible"))
            lines += [f"- {change_words(ch)}" for ch in result["suggestion"]]
        return lines
    lines.append(_line(_("Total score of the proposal"), _fmt(result.get("objective", 0.0))))
    lines.append(
        _line(_("Total score of the plain top by score"), _fmt(result.get("top_n_objective", 0.0)))
    )
    lines.append(_line(_("Price of diversity"), _fmt(result.get("price_of_diversity", 0.0))))
    binding = result.get("binding", [])
    if binding:
        lines.append(_("Binding quotas"))
        for b in binding:
            price = "–" if b.get("price") is None else _fmt(b["price"])
            lines.append(
                "- " + _("%(quota)s (price %(price)s)") % {"quota": bound_symbol(b), "price": price}
            )
    else:
        lines.append(_("No quota binds: the proposal is the plain top by score."))
    reasons = result.get("reasons", {})
    selected = list(result.get("selected", []))
    chosen = set(selected)
    others = [cid for cid in (scores or reasons) if cid not in chosen]
    others.sort(key=lambda cid: (-scores.get(cid, 0.0), cid))
    for title, ids in (
        (ngettext("Selected (%(counter)s)", "Selected (%(counter)s)", len(selected)), selected),
        (ngettext("Not selected (%(counter)s)", "Not selected (%(counter)s)", len(others)), others),
    ):
        lines.append(title % {"counter": len(ids)})
        for cid in ids:
            score = f" ({_fmt(scores[cid])})" if cid in scores else ""
            lines.append(f"- {cid}{score} — {reason_words(reasons.get(cid))}")
    if result.get("tie_break"):
        lines.append(tie_break_words(result["tie_break"]))
    return lines
