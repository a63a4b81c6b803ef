"""Layer 3 through ticklab.core: the accumulators and the ridge solver give the stored statistics.

Rows computed by the bindings, fed through `DayRows` (the batch tool's chunking), reproduce the
stats database's moments and per-day ridge coefficients bit for bit; `pool` merges stored days as
`ticklab.io.stats` does; `Moments` agrees with numpy on random data.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from core_market import DAY, Market, build_market

import ticklab.core as core
from ticklab.io.stats import pooled_moments, ridge
from ticklab.io.store import read_ticks


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("core-stats"))


@pytest.mark.parametrize("stock", ["AAPL", "MSFT"])
def test_day_rows_reproduce_the_stored_moments_and_fits(market: Market, stock: str) -> None:
    seed = core.IndicatorSet.from_config(str(market.config), "seed")
    rows = seed.compute_rows(read_ticks(market.store(stock)), DAY)
    db = sqlite3.connect(market.database)
    n, p, labels, mean, comoment = db.execute(
        "SELECT n, n_features, horizons, mean, comoment FROM day_moments WHERE stock=? AND day=?",
        (stock, DAY.isoformat()),
    ).fetchone()
    labels = labels.split(",")
    day = core.DayRows(DAY.isoformat(), p, labels)
    day.add_rows(rows)
    day.finish()
    joint = day.accumulator.joint_moments()
    assert joint.count == n
    assert joint.mean.tobytes() == mean and joint.packed().tobytes() == comoment
    for h, label in enumerate(labels):
        lam, coef, r2 = db.execute(
            "SELECT ridge_lambda, coef, r2 FROM regressions WHERE stock=? AND day=? AND horizon=?",
            (stock, DAY.isoformat(), label),
        ).fetchone()
        fit = core.fit_ridge(day.accumulator.horizon_moments(h), lam)
        assert fit.ok and fit.coef.tobytes() == coef and fit.r2 == r2


def test_pool_merges_the_stored_days(market: Market) -> None:
    (result,) = core.pool(str(market.database), "seed", ["10s"])
    assert (result.horizon, result.stock_days, result.stocks) == ("10s", 2, 2)
    with sqlite3.connect(market.database) as db:
        expected = ridge(pooled_moments(db, "seed", "10s"), 1e-6)
    np.testing.assert_allclose(result.fit.coef, expected.coef, rtol=1e-8, atol=1e-12)
    assert result.fit.n == expected.n
    (one,) = core.pool(str(market.database), "seed", ["100t"], stocks=["AAPL"])
    assert one.stock_days == 1 and one.fit.ok


def test_moments_agree_with_numpy_and_merge_exactly() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(5.0, 2.0, (5000, 4))
    whole = core.Moments(4)
    whole.add_rows(z)
    np.testing.assert_allclose(whole.mean, z.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(whole.comoments, np.cov(z.T) * (len(z) - 1), rtol=1e-10)
    a, b = core.Moments(4), core.Moments(4)
    a.add_rows(z[:1234])
    b.add_rows(z[1234:])
    a.merge(b)
    assert a.count == whole.count
    np.testing.assert_allclose(a.comoments, whole.comoments, rtol=1e-12)
    x = z[:, :3]
    y = x @ np.array([0.5, -1.0, 2.0]) + 3.0 + rng.normal(0, 1e-3, len(z))
    xy = core.Moments(4)
    xy.add_rows(np.column_stack([x, y]))
    fit = core.fit_ridge(xy, 0.0)
    np.testing.assert_allclose(fit.coef, [0.5, -1.0, 2.0], atol=1e-3)
    assert fit.r2 > 0.999 and core.out_of_sample_r2(fit, xy) == pytest.approx(fit.r2)


def test_stats_errors_are_typed(market: Market, tmp_path) -> None:
    with pytest.raises(core.InvalidArgumentError, match="horizon"):
        core.DayAccumulator(3, ["10 minutes"])
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        core.Moments(4).add_rows(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="row_dtype"):
        core.DayAccumulator(3, ["10s"]).add_rows(np.zeros(3))
    with pytest.raises(core.Error):
        core.pool(str(tmp_path / "missing.sqlite"), "seed", ["10s"])
