"""Selection optimiser for the SDG pilot: pick exactly N candidates under diversity quotas.

The package is deliberately free of Django so that the web layer, a command-line tool for
auditors and the benchmarks all call the same code. It returns codes and numbers only; the
sentences that explain a result live in ``selection.wording`` (gettext: the web pages say
them in the user's language, ``selection_solve`` in English).

Modules, each depending only on the ones above it:

* :mod:`.problem`: the input (:class:`Candidate`, :class:`Quota`, :class:`Problem`,
  :class:`Bound`) and :func:`parse_problem`, which reads it from JSON.
* :mod:`.result`: the output (:class:`Result`, :class:`Reason`, :class:`Binding`,
  :class:`Conflict`, :class:`Change`, :class:`TieBreak`) and the lists of codes.
* :mod:`.model`: the arrays of one problem, candidates in canonical order.
* :mod:`.core`: HiGHS MILPs, the LP core for large models and the tie-break.
* :mod:`.explain`: binding prices, reasons, a minimal conflict, the smallest change.
* :mod:`.solving`: :func:`solve` and :func:`propose_replacement`.
* :mod:`.serialise`: :func:`result_to_dict` and :func:`solve_json`.
"""

from .problem import Bound, Candidate, InputError, Problem, Quota, parse_problem
from .result import (
    CONFLICT_CAUSES,
    CONFLICT_KINDS,
    NOTES,
    REASON_KINDS,
    Binding,
    Change,
    Conflict,
    Reason,
    Result,
    TieBreak,
)
from .serialise import result_to_dict, solve_json
from .solving import propose_replacement, solve

__all__ = [
    "CONFLICT_CAUSES",
    "CONFLICT_KINDS",
    "NOTES",
    "REASON_KINDS",
    "Binding",
    "Bound",
    "Candidate",
    "Change",
    "Conflict",
    "InputError",
    "Problem",
    "Quota",
    "Reason",
    "Result",
    "TieBreak",
    "parse_problem",
    "propose_replacement",
    "result_to_dict",
    "solve",
    "solve_json",
]
