"""The planning core against brute force over every subset of candidates, on small random
instances, plus the properties the answer must have (no demand counted twice, ranking by
marginal gain, greedy never better than the optimum, time limit) and the degenerate cases."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest
import scipy.sparse as sp

from coverage_gaps.errors import InputError, SettingsError
from coverage_gaps.planning import (
    INSTALL_HINT,
    PlanResult,
    Villages,
    max_covering,
    reduce_problem,
    set_cover,
)
from coverage_gaps.planning.greedy import GreedyKernel
from coverage_gaps.planning.highs import coverage_rows, run_highs
from coverage_gaps.planning.reduction import identical_columns

highspy = pytest.importorskip("highspy", reason="the planning tests need the extra 'plan'")

REL = 1e-9


# --- independent references ------------------------------------------------------------------


def subsets_cover(D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every subset ``s`` (bit ``j`` = candidate ``j``) of the rows of the dense boolean
    ``D`` (candidates x cells): the cells it covers, and its size."""
    n, m = D.shape
    cov = np.zeros((1 << n, m), dtype=bool)
    size = np.zeros(1 << n, dtype=np.int64)
    for s in range(1, 1 << n):
        low = (s & -s).bit_length() - 1
        cov[s] = cov[s & (s - 1)] | D[low]
        size[s] = size[s & (s - 1)] + 1
    return cov, size


def villages_fixed(cov: np.ndarray, w, groups, threshold, before, count) -> np.ndarray:
    """Per subset and village: is the village's covered share at its threshold, and was it
    below it before (dark)?  Straight from the definition, shares computed as ratios."""
    total = before + np.array([w[groups == v].sum() for v in range(count)])
    got = np.stack([(cov[:, groups == v] * w[groups == v]).sum(axis=1) for v in range(count)], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, (before + got) / total, 1.0)
        share0 = np.where(total > 0, before / total, 1.0)
    dark = share0 < threshold * (1 - REL)
    return (share >= threshold * (1 - REL)) & dark


def instance(seed: int, n: int, m: int, density: float = 0.15):
    """Random clustered instance: candidates serve cells near them on a line, with holes, so
    that subsets matter and some cells are reached by no candidate."""
    rng = np.random.default_rng(seed)
    pos_c = rng.random(n)
    pos_d = rng.random(m)
    radius = rng.uniform(0.05, 0.25, n)
    D = np.abs(pos_c[:, None] - pos_d[None, :]) < radius[:, None]
    D &= rng.random((n, m)) < 0.9  # not exactly intervals
    D[:, rng.random(m) < 0.05] = False  # some demand no one reaches
    w = rng.exponential(1.0, m) * (rng.random(m) < 0.95)  # some zero weights
    return D, w


def check_plan(r: PlanResult, D: np.ndarray, w: np.ndarray) -> None:
    """What every answer must satisfy, checked on the dense matrix."""
    chosen = r.chosen
    assert len(set(chosen.tolist())) == chosen.size
    union = D[chosen].any(axis=0) if chosen.size else np.zeros(D.shape[1], bool)
    assert r.covered_demand == pytest.approx(w[union].sum(), rel=1e-12, abs=1e-12)
    reach = D.any(axis=0)
    assert r.coverable_demand == pytest.approx(w[reach].sum())
    assert r.uncoverable.tolist() == np.flatnonzero(~reach & (w > 0)).tolist()
    assert r.uncoverable_demand == pytest.approx(w[~reach].sum())
    # Marginals by an independent walk, each the largest among the remaining chosen sites.
    covered = np.zeros(D.shape[1], bool)
    for k, j in enumerate(chosen):
        gains = {int(q): w[D[q] & ~covered].sum() for q in chosen[k:]}
        assert r.marginal_demand[k] == pytest.approx(gains[int(j)], abs=1e-12)
        assert r.marginal_demand[k] > 0
        if r.objective_kind != "villages":
            assert gains[int(j)] >= max(gains.values()) - 1e-12
        covered |= D[j]
    assert np.allclose(r.cumulative_demand, np.cumsum(r.marginal_demand))
    if r.coverable_demand > 0:
        assert np.allclose(r.cumulative_share, r.cumulative_demand / r.coverable_demand)
    if r.objective_kind != "villages":
        assert np.all(np.diff(r.marginal_demand) <= 1e-12)  # coverage is submodular


# --- maximal covering --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_max_covering_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(6, 13))
    D, w = instance(seed, n, int(rng.integers(150, 400)))
    cov, size = subsets_cover(D)
    value = cov @ w
    for N in (1, 2, 3, n // 2, n - 1):
        best = value[size <= N].max()
        r = max_covering(sp.csr_array(D), w, N, gap=0.0)
        assert r.status == "optimal"
        assert r.objective == pytest.approx(best, rel=1e-9)
        assert r.bound >= best * (1 - 1e-9)
        assert r.gap <= 1e-6
        assert r.chosen.size <= N
        assert r.greedy.objective <= best * (1 + 1e-12)
        assert r.greedy.objective == pytest.approx(w[D[r.greedy.chosen].any(axis=0)].sum())
        assert r.greedy.chosen.size <= N
        check_plan(r, D, w)


def naive_greedy(D: np.ndarray, w: np.ndarray, stop) -> list[float]:
    covered = np.zeros(D.shape[1], bool)
    gains = []
    while not stop(gains):
        g = np.array([w[row & ~covered].sum() for row in D])
        j = int(np.argmax(g))
        if g[j] <= 0:
            break
        gains.append(float(g[j]))
        covered |= D[j]
    return gains


@pytest.mark.parametrize("seed", range(4))
def test_greedy_is_the_textbook_greedy(seed: int) -> None:
    D, w = instance(seed, 12, 300)
    r = max_covering(D, w, 5)
    expect = naive_greedy(D, w, lambda g: len(g) >= 5)
    assert np.allclose(r.greedy.marginal_demand, expect)
    assert r.greedy.objective <= r.objective * (1 + 1e-12)
    assert r.greedy_ratio <= 1 + 1e-12


def test_more_sites_than_candidates_takes_every_useful_one() -> None:
    D, w = instance(3, 8, 200)
    r = max_covering(D, w, 50)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(w[D.any(axis=0)].sum())
    assert r.covered_share == pytest.approx(1.0)
    assert r.gap == 0.0
    check_plan(r, D, w)


def test_dominated_and_duplicate_candidates_are_dropped_cheaper_kept() -> None:
    # 0 serves {0,1}; 1 serves {0,1,2}; 2 duplicates 1; 3 serves {3}; cells 0, 1 identical.
    D = np.zeros((4, 4), bool)
    D[0, [0, 1]] = D[1, [0, 1, 2]] = D[2, [0, 1, 2]] = D[3, [3]] = True
    w = np.array([1.0, 2.0, 4.0, 8.0])
    red = reduce_problem(D, w)
    assert red.candidates.tolist() == [1, 3]
    assert red.n_rows == 2  # {0, 1, 2} merged once 0 is gone, and {3}
    assert sorted(red.weights.tolist()) == [7.0, 8.0]
    red = reduce_problem(D, w, cost=[1.0, 5.0, 2.0, 1.0])
    assert red.candidates.tolist() == [0, 2, 3]  # 0 cheaper than 1 and 2; 2 cheaper than 1
    r = max_covering(D, w, 1, cost=[1.0, 5.0, 2.0, 1.0])
    assert r.chosen.tolist() == [3]
    assert r.cost is not None and r.cost.tolist() == [1.0]
    r = max_covering(D, w, 2, cost=[1.0, 5.0, 2.0, 1.0])
    assert r.chosen.tolist() == [3, 2]
    assert r.table()["cumulative_cost"].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("seed", range(4))
def test_reduction_keeps_the_optimum(seed: int) -> None:
    D, w = instance(seed, 10, 250)
    # Add duplicates and subsets so that dominance has work.
    D = np.vstack([D, D[:3], D[3:5] & (np.random.default_rng(seed).random((2, 250)) < 0.5)])
    red = reduce_problem(sp.csr_array(D), w)
    R = red.matrix.toarray()
    assert red.n_kept < D.shape[0]
    # Each input cell maps to a row with exactly its candidates (among those kept).
    for i in np.flatnonzero(red.row_of_cell >= 0):
        assert (R[:, red.row_of_cell[i]] == D[red.candidates, i]).all()
    kept = red.row_of_cell >= 0
    assert (kept == (D.any(axis=0) & (w > 0))).all()
    assert red.weights.sum() == pytest.approx(w[kept].sum())
    value, size = (lambda c: (c[0] @ w, c[1]))(subsets_cover(D))
    rvalue, rsize = (lambda c: (c[0] @ red.weights, c[1]))(subsets_cover(R))
    for N in range(1, 6):
        assert rvalue[rsize <= N].max() == pytest.approx(value[size <= N].max())


@pytest.mark.parametrize("seed", range(3))
def test_lagrangian_bound_and_fixings_hold_for_every_plan(seed: int) -> None:
    D, w = instance(seed + 20, 11, 300)
    red = reduce_problem(D, w)
    R = red.matrix.toarray()
    cov, size = subsets_cover(R)
    value = cov @ red.weights
    k = GreedyKernel.of(red)
    member = (np.arange(1 << R.shape[0])[:, None] >> np.arange(R.shape[0])) & 1
    rng = np.random.default_rng(seed)
    for N in (2, 3, 4):
        opt = value[size <= N].max()
        for lam0, mu0, iters in ((rng.uniform(0, 1, red.n_rows), 0.0, 1), (0.5, 1.0, 300)):
            target = opt * 0.995
            lag = k.lagrangian(N, target, iters, lam0 * red.weights, mu0)
            out, into = lag.fixed_out, lag.fixed_in
            assert lag.bound >= opt * (1 - 1e-12)
            plans = size <= N
            good = plans & (value >= target)
            assert member[good][:, into].all() and not member[good][:, out].any()
            bad = plans & (
                (member[:, out].any(axis=1)) | (~member[:, into].astype(bool)).any(axis=1)
            )
            if bad.any():
                assert value[bad].max() <= lag.justified * (1 + 1e-12)
            assert lag.plan.size == N


def test_identical_columns_is_exact_even_when_the_hashes_collide() -> None:
    rng = np.random.default_rng(7)
    D = rng.random((6, 400)) < 0.3
    D = D[:, D.any(axis=0)]
    B = sp.csr_array(D)
    zero = np.zeros(6, dtype=np.uint64)
    for hashes in (None, (zero, zero)):
        cls, first = identical_columns(B, None, hashes)
        for c in range(first.size):
            members = np.flatnonzero(cls == c)
            assert (D[:, members] == D[:, [first[c]]]).all()
        if hashes is None:  # exact classes: as many as distinct columns
            assert first.size == len({tuple(col) for col in D.T})


# --- partial set cover -------------------------------------------------------------------------


# Seeds where the greedy needs more sites than the optimum for some target (found by brute force).
@pytest.mark.parametrize("seed", [0, 4, 11, 17, 22, 31])
def test_set_cover_matches_brute_force(seed: int) -> None:
    D, w = instance(seed + 50, 12, 200)
    cov, size = subsets_cover(D)
    value = cov @ w
    coverable = w[D.any(axis=0)].sum()
    for target in (0.3, 0.6, 0.8, 0.95, 1.0):
        need = target * coverable * (1 - REL)
        best = size[value >= need].min()
        r = set_cover(D, w, target, gap=0.0)
        assert r.status == "optimal"
        assert r.objective == best == r.chosen.size
        assert r.bound == best
        assert r.covered_demand >= need
        assert r.greedy.objective >= best
        g = r.greedy.chosen
        assert w[D[g].any(axis=0)].sum() >= need
        check_plan(r, D, w)


def test_set_cover_hand_worked_greedy_trap() -> None:
    # Cells 0-7 weigh 1, cell 8 weighs 0.5.  A = {0,1,2,3}, B = {4,5,6,7}, C = {0,1,4,5,8}.
    # 8 of the 8.5 is reached by A + B (2 sites); the greedy takes C (4.5) first, then A, B.
    D = np.zeros((3, 9), bool)
    D[0, :4] = D[1, 4:8] = True
    D[2, [0, 1, 4, 5, 8]] = True
    w = np.array([1.0] * 8 + [0.5])
    r = set_cover(D, w, 8 / 8.5)
    assert r.greedy.objective == 3 and r.greedy.chosen.tolist() == [2, 0, 1]
    assert r.objective == 2 and sorted(r.chosen.tolist()) == [0, 1]
    assert r.greedy_ratio == 1.5
    assert r.covered_demand == 8.0


def test_set_cover_of_the_total_demand_can_be_unreachable() -> None:
    D, w = instance(4, 8, 200)
    reach = D.any(axis=0)
    share = w[reach].sum() / w.sum()
    assert share < 0.99
    r = set_cover(D, w, 0.99, share_of="total")
    assert r.status == "unreachable"
    assert r.chosen.size == 0
    assert "another kind of solution" in r.message
    assert r.uncoverable_demand == pytest.approx(w[~reach].sum())
    # Just under the reachable share is reachable, and needs the sites of share_of="coverable".
    a = set_cover(D, w, share * 0.999, share_of="total")
    b = set_cover(D, w, 0.999, share_of="coverable")
    assert a.status == "optimal"
    assert a.objective == b.objective


# --- villages --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_villages_objective_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    n = int(rng.integers(6, 13))
    m = int(rng.integers(150, 350))
    D, w = instance(seed + 80, n, m)
    count = int(rng.integers(5, 20))
    # Villages are runs of neighbouring cells (demand sorted along the line).
    order = np.argsort(np.random.default_rng(seed + 80).random(m))
    groups = np.empty(m, np.int64)
    groups[order] = np.sort(rng.integers(0, count, m))
    groups[rng.random(m) < 0.05] = -1
    threshold = rng.choice([0.5, 0.8, 1.0], count)
    vweights = rng.integers(1, 5, count).astype(float)
    before = np.where(rng.random(count) < 0.3, rng.uniform(0, 5, count), 0.0)
    vil = Villages(groups, threshold, vweights, before)
    cov, size = subsets_cover(D)
    inside = groups >= 0
    fixed = villages_fixed(cov[:, inside], w[inside], groups[inside], threshold, before, count)
    value = fixed.astype(float) @ vweights
    for N in (1, 2, 3, n // 2):
        best = value[size <= N].max()
        r = max_covering(D, w, N, objective="villages", villages=vil, gap=0.0)
        assert r.status == "optimal"
        assert r.objective == pytest.approx(best)
        assert r.bound >= best - 1e-9
        assert r.greedy.objective <= best + 1e-9
        assert r.chosen.size <= N
        assert r.marginal_villages is not None
        assert r.marginal_villages.sum() == pytest.approx(r.objective)
        # The fixed villages, recomputed from the chosen sites.
        sub = int(sum(1 << int(j) for j in r.chosen))
        assert r.villages_fixed is not None and r.villages_dark is not None
        assert (r.villages_fixed[r.villages_dark] == fixed[sub][r.villages_dark]).all()
        # Every proposed site is needed: without it a village falls back.
        for j in r.chosen:
            assert value[sub & ~(1 << int(j))] < r.objective
        check_plan(r, D, w)


def test_villages_unfixable_and_already_fixed() -> None:
    # Village 0: cells 0-1, only cell 0 reachable (half its demand): fixable at 0.5, not at 0.8.
    # Village 1: cells 2-3, 90 % covered before: not dark at threshold 0.8.
    D = np.zeros((2, 4), bool)
    D[0, 0] = True
    D[1, 2] = True
    w = np.array([1.0, 1.0, 1.0, 1.0])
    before = np.array([0.0, 18.0])
    r = max_covering(
        D, w, 2, objective="villages", villages=Villages([0, 0, 1, 1], 0.8, None, before)
    )
    assert r.villages_unfixable is not None and r.villages_dark is not None
    assert r.villages_unfixable.tolist() == [True, False]
    assert r.villages_dark.tolist() == [True, False]
    assert r.objective == 0 and r.chosen.size == 0
    r = max_covering(
        D, w, 2, objective="villages", villages=Villages([0, 0, 1, 1], 0.5, None, before)
    )
    assert r.objective == 1 and r.chosen.tolist() == [0]


def test_highs_answer_matches_its_objective_even_from_a_warm_start() -> None:
    # A partial set cover (cover all coverable demand) that HiGHS 1.16 solves in presolve from
    # the greedy start, reporting the optimum (7) but handing back the start's values (8 sites):
    # run_highs must return values that match the objective it reports.
    D, w = instance(31 + 50, 12, 200)
    red = reduce_problem(D, w)
    n, p = red.matrix.shape
    W = red.weights.sum()
    rows = sp.vstack(
        [coverage_rows(red.matrix), sp.csr_array(np.r_[np.zeros(n), red.weights / W][None, :])],
        format="csr",
    )
    cov, size = subsets_cover(red.matrix.toarray())
    best = size[cov @ red.weights >= W * (1 - 1e-9)].min()
    greedy, _ = GreedyKernel.of(red).demand(stop_at=W * (1 - 1e-9))  # 8 sites
    assert greedy.size > best
    start = np.zeros(n + p)
    start[greedy] = 1.0
    start[n:] = 1.0
    out = run_highs(
        maximise=False,
        col_cost=np.r_[np.ones(n), np.zeros(p)],
        integer=np.r_[np.ones(n, bool), np.zeros(p, bool)],
        rows=sp.csr_array(rows),
        row_lower=np.r_[np.full(p, -np.inf), 1 - 1e-9],
        row_upper=np.r_[np.zeros(p), np.inf],
        start=start,
        time_limit_s=10.0,
        gap=0.0,
    )
    assert out.status == "optimal"
    assert out.x is not None
    assert (out.x[:n] > 0.5).sum() == best == round(out.primal)
    assert out.x[n:] @ red.weights >= W * (1 - 1e-6)  # the values are a cover, not just a count


# --- limits and degenerate cases ---------------------------------------------------------------


def test_time_limit_is_respected() -> None:
    rng = np.random.default_rng(0)
    A = sp.random(300, 6000, density=0.03, random_state=1, format="csr") != 0
    w = rng.random(6000)
    t = time.perf_counter()
    r = max_covering(A, w, 20, time_limit_s=1.0, gap=0.0)
    elapsed = time.perf_counter() - t
    assert r.status == "time_limit"
    assert elapsed < 1.0 + 1.5
    assert r.bound > r.objective >= r.greedy.objective
    assert r.gap > 0
    assert r.chosen.size == 20


def test_no_candidates_no_demand_and_zero_sites() -> None:
    w = np.array([1.0, 2.0])
    r = max_covering(sp.csr_array((0, 2), dtype=bool), w, 3)
    assert r.status == "optimal" and r.chosen.size == 0 and r.objective == 0
    assert r.uncoverable.tolist() == [0, 1] and r.uncoverable_demand == 3.0
    assert r.coverable_demand == 0 and r.covered_share == 0.0
    r = set_cover(sp.csr_array((0, 2), dtype=bool), w, 0.9)
    assert r.status == "optimal" and r.objective == 0  # nothing coverable: nothing to build
    assert set_cover(sp.csr_array((0, 2), dtype=bool), w, 0.9, share_of="total").status == (
        "unreachable"
    )
    r = max_covering(sp.csr_array((3, 0), dtype=bool), np.zeros(0), 2)
    assert r.status == "optimal" and r.chosen.size == 0 and r.total_demand == 0
    D, w = instance(1, 6, 50)
    r = max_covering(D, w, 0)
    assert r.chosen.size == 0 and r.objective == 0 and r.bound == 0
    r = set_cover(D, w, 0.0)
    assert r.chosen.size == 0 and r.objective == 0
    r = max_covering(D, np.zeros(50), 3)
    assert r.chosen.size == 0 and r.objective == 0


def test_bad_inputs_raise_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    D, w = instance(1, 6, 50)
    with pytest.raises(InputError, match="one weight per cell"):
        max_covering(D, w[:-1], 2)
    with pytest.raises(InputError, match="finite and >= 0"):
        max_covering(D, -w, 2)
    with pytest.raises(SettingsError, match="n_sites"):
        max_covering(D, w, -1)
    with pytest.raises(SettingsError, match="needs villages"):
        max_covering(D, w, 2, objective="villages")
    with pytest.raises(SettingsError, match="target_share"):
        set_cover(D, w, 1.5)
    with pytest.raises(SettingsError, match="time_limit_s"):
        set_cover(D, w, 0.5, time_limit_s=0)
    with pytest.raises(SettingsError, match="threshold"):
        max_covering(D, w, 2, objective="villages", villages=Villages(np.zeros(50, int), 0.0))
    monkeypatch.setitem(sys.modules, "highspy", None)
    with pytest.raises(SettingsError, match=INSTALL_HINT.replace("[", r"\[").replace("]", r"\]")):
        max_covering(D, w, 2)


def test_the_solver_banner_is_logged_not_printed() -> None:
    """HiGHS prints a banner on the process's first solver: neither a library user's stdout
    (which may carry their own output) nor their stderr gets it; it is an info record of
    ``coverage_gaps.planning.highs`` (the CLI shows it under ``-v``, never under ``-q``)."""
    import subprocess

    code = (
        "import logging, sys\n"
        "import numpy as np, scipy.sparse as sp\n"
        "from coverage_gaps.planning import max_covering\n"
        "records = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record): records.append(record)\n"
        "log = logging.getLogger('coverage_gaps'); log.addHandler(Keep()); log.setLevel('INFO')\n"
        "log.propagate = False\n"
        "D = sp.csr_array(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool))\n"
        "r = max_covering(D, np.ones(4), 1, gap=0.0)\n"
        "print('served', r.covered_demand)\n"
        "print('logged', [(r.name, r.levelname, r.getMessage()[:14]) for r in records])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    served, logged = done.stdout.splitlines()
    assert served.startswith("served "), done.stdout
    assert logged == "logged [('coverage_gaps.planning.highs', 'INFO', 'Running HiGHS ')]"
    assert "HiGHS" not in done.stderr
