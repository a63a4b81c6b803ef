"""Layer 3 end to end: SQLite contents against numpy/pandas computations from the saved layer outputs.

Builds a small market (2 stocks x 2 days of synthetic ticks written as Layer 1 store files), runs
Layer 2 (`ticklab-indicators`) and Layer 3 (`ticklab-stats`), then recomputes everything the stats
database holds — tick statistics, per-feature statistics, forward-return targets, ridge fits,
next-day R² and pooled fits — independently in numpy from the tick and feature files.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess

import numpy as np
import pytest
import xxhash
from indicator_events import CLOSE_NS, OPEN_NS, random_events

from ticklab.io.features import read_features
from ticklab.io.stats import Moments, blob, connect, day_moments, pooled_moments, ridge, unpack_upper
from ticklab.native import binary, run_tool
from ticklab.testing import assemble_ticks, write_ticks

STOCKS = ("AAA", "BBB")
DAYS = (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
DAY_NS = 86400 * 10**9
H_SECONDS = (1.0, 10.0)
H_TICKS = (1, 10)
LAMBDA = 1e-3
TRADE_CODES = (5, 6)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> dict:
    for tool in ("ticklab-indicators", "ticklab-stats"):
        binary(tool)  # raises, failing the tests, when `make build` has not built it
    root = tmp_path_factory.mktemp("stats_e2e")
    cfg = root / "stats.toml"
    cfg.write_text(f"""
[data]
root = "data"
[universe]
stocks = {json.dumps(list(STOCKS))}
[[indicator_sets]]
name = "seed"
[[indicator_sets.indicators]]
kind = "seed"
[stats]
database = "data/stats.sqlite"
horizons_seconds = {list(H_SECONDS)}
horizons_ticks = {list(H_TICKS)}
ridge_lambda = {LAMBDA}
""")
    ticks = {}
    for si, stock in enumerate(STOCKS):
        for di, day in enumerate(DAYS):
            ts, field, value = random_events(12000, seed=100 + 10 * si + di)
            t = assemble_ticks(stock, ts + di * DAY_NS, field, value)
            ticks[stock, day] = t
            write_ticks(root / "data" / "store" / stock / f"{day}.tick", stock, day, t)
    run_tool("ticklab-indicators", ["--config", str(cfg), "--set", "seed", "--threads", "2"], progress=False)
    summary = run_tool("ticklab-stats", ["--config", str(cfg), "--threads", "2"], progress=False)
    return {
        "root": root,
        "cfg": cfg,
        "db": root / "data" / "stats.sqlite",
        "ticks": ticks,
        "summary": summary,
    }


def features_of(market: dict, stock: str, day: dt.date):
    return read_features(market["root"] / "data" / "features" / "seed" / stock / f"{day}.feat", verify=True)


def targets(ts: np.ndarray, mid: np.ndarray, horizon: str) -> np.ndarray:
    """Forward log mid return per row (NaN where the horizon passes the last row), by definition."""
    n = len(ts)
    y = np.full(n, np.nan)
    if horizon.endswith("t"):
        k = int(horizon[:-1])
        y[: n - k] = np.log(mid[k:] / mid[: n - k])
    else:
        target = ts + int(round(float(horizon[:-1]) * 1e9))
        j = np.searchsorted(ts, target, side="right") - 1
        ok = target <= ts[-1]
        y[ok] = np.log(mid[j[ok]] / mid[ok])
    return y


def regression_rows(market: dict, stock: str, day: dt.date, horizon: str) -> np.ndarray:
    """[x, y] rows of one stock-day and horizon, straight from the feature file.

    The sample is common to all horizons: rows with every horizon's target and finite features.
    """
    f = features_of(market, stock, day)
    bid, ask = f.values[:, 0], f.values[:, 1]
    mid = 0.5 * (bid + ask)
    keep = (bid > 0) & (ask > 0) & np.isfinite(mid)
    x = np.asarray(f.values[keep, 2:])
    ys = {h: targets(np.asarray(f.ts_ns[keep]), mid[keep], h) for h in horizons()}
    ok = np.isfinite(x).all(axis=1)
    for y in ys.values():
        ok &= np.isfinite(y)
    return np.column_stack([x[ok], ys[horizon][ok]])


def lstsq_ridge(rows: np.ndarray, lam: float) -> tuple[np.ndarray, float, float]:
    """Ridge on the design matrix with numpy.linalg.lstsq: standardised features, unpenalised intercept."""
    x, y = rows[:, :-1], rows[:, -1]
    xc = x - x.mean(axis=0)
    sx = np.sqrt((xc**2).sum(axis=0))
    used = sx > 1e-10 * np.abs(x.mean(axis=0)) * np.sqrt(len(x))
    used &= sx > 0
    z = xc[:, used] / sx[used]
    yc = y - y.mean()
    sy = np.sqrt(yc @ yc)
    aug = np.vstack([z, np.sqrt(lam) * np.eye(z.shape[1])])
    rhs = np.concatenate([yc / sy, np.zeros(z.shape[1])])
    c = np.linalg.lstsq(aug, rhs, rcond=None)[0]
    coef = np.zeros(x.shape[1])
    coef[used] = c * sy / sx[used]
    intercept = y.mean() - coef @ x.mean(axis=0)
    resid = y - intercept - x @ coef
    return coef, intercept, 1 - resid @ resid / (yc @ yc)


def horizons() -> list[str]:
    return [f"{h:g}s" for h in H_SECONDS] + [f"{k}t" for k in H_TICKS]


def test_every_stock_day_written_with_lineage(market: dict) -> None:
    s = market["summary"]
    assert s["stock_days"] == 4 and s["computed"] == 4 and s["skipped"] == 0
    with sqlite3.connect(market["db"]) as db:
        rows = db.execute(
            "SELECT stock, day, feature_set, tick_checksum, feat_checksum, config_hash, "
            "algo_version, code_version FROM day_stats ORDER BY stock, day"
        ).fetchall()
        assert [(r[0], r[1]) for r in rows] == [(s, str(d)) for s in STOCKS for d in DAYS]
        for stock, day, _, tick_ck, feat_ck, cfg_hash, algo, code in rows:
            t = market["ticks"][stock, dt.date.fromisoformat(day)]
            assert tick_ck == f"{xxhash.xxh64_intdigest(t.tobytes()):016x}"
            assert feat_ck == f"{features_of(market, stock, dt.date.fromisoformat(day)).rows_checksum:016x}"
            assert len(cfg_hash) == 16 and algo >= 1 and code
        n_reg = db.execute("SELECT COUNT(*) FROM regressions").fetchone()[0]
        assert n_reg == 4 * len(horizons())
        assert db.execute("SELECT COUNT(*) FROM day_moments").fetchone()[0] == 4
        # One common sample per stock-day: every horizon's n equals the day's n_sample.
        bad = db.execute(
            "SELECT COUNT(*) FROM regressions r JOIN day_stats d USING(stock, day, feature_set) "
            "WHERE r.n != d.n_sample"
        ).fetchone()[0]
        assert bad == 0


def test_tick_statistics_match_numpy(market: dict) -> None:
    with sqlite3.connect(market["db"]) as db:
        for (stock, day), t in market["ticks"].items():
            shift = (day - DAYS[0]).days * DAY_NS
            open_ns, close_ns = OPEN_NS + shift, CLOSE_NS + shift
            got = db.execute(
                "SELECT n_ticks, n_trades, volume, vwap, mean_spread, tw_spread, rv_mid "
                "FROM day_stats WHERE stock=? AND day=?",
                (stock, str(day)),
            ).fetchone()
            s = t[(t["ts_ns"] >= open_ns) & (t["ts_ns"] < close_ns)]
            ev = s["events"].astype(np.int64)
            trade = np.zeros(len(s), dtype=bool)
            for k in range(8):
                trade |= np.isin((ev >> (4 * k)) & 0xF, TRADE_CODES)
            vol = s["trade_size"][trade].sum()
            bid, ask = s["bid_price"], s["ask_price"]
            valid = (ask > bid) & (bid > 0)
            assert got[0] == len(s)
            assert got[1] == trade.sum()
            assert got[2] == pytest.approx(vol)
            assert got[3] == pytest.approx((s["trade_price"][trade] * s["trade_size"][trade]).sum() / vol)
            assert got[4] == pytest.approx((ask - bid)[valid].mean())
            # Time weighting: each quote until the next tick or the close; the book at the open
            # is the last pre-open tick's.
            pre = t[t["ts_ns"] < open_ns][-1:]
            seq = np.concatenate([pre, s])
            start = np.maximum(seq["ts_ns"], open_ns)
            dur = np.diff(np.append(start, close_ns)).astype(float)
            ok = (seq["ask_price"] > seq["bid_price"]) & (seq["bid_price"] > 0)
            tw = ((seq["ask_price"] - seq["bid_price"]) * dur)[ok].sum() / dur[ok].sum()
            assert got[5] == pytest.approx(tw)
            mids = (0.5 * (seq["bid_price"] + seq["ask_price"]))[ok]
            assert got[6] == pytest.approx(np.sqrt((np.diff(np.log(mids)) ** 2).sum()))


def test_feature_statistics_match_numpy(market: dict) -> None:
    with sqlite3.connect(market["db"]) as db:
        for stock in STOCKS:
            for day in DAYS:
                f = features_of(market, stock, day)
                x = np.asarray(f.values[:, 2:])
                got = np.array(
                    db.execute(
                        "SELECT count, mean, std, min, max FROM feature_stats WHERE stock=? AND day=? "
                        "ORDER BY feature_idx",
                        (stock, str(day)),
                    ).fetchall(),
                    dtype=float,
                )
                assert got.shape == (x.shape[1], 5)
                fin = np.isfinite(x)
                np.testing.assert_array_equal(got[:, 0], fin.sum(axis=0))
                np.testing.assert_allclose(got[:, 1], np.nanmean(x, axis=0), rtol=1e-9, atol=1e-12)
                np.testing.assert_allclose(got[:, 2], np.nanstd(x, axis=0, ddof=1), rtol=1e-7, atol=1e-12)
                np.testing.assert_array_equal(got[:, 3], np.nanmin(x, axis=0))
                np.testing.assert_array_equal(got[:, 4], np.nanmax(x, axis=0))
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM feature_names WHERE feature_set='seed' ORDER BY feature_idx"
            )
        ]
        assert tuple(names) == features_of(market, STOCKS[0], DAYS[0]).feature_columns


def test_regressions_match_numpy_linalg(market: dict) -> None:
    with sqlite3.connect(market["db"]) as db:
        for stock in STOCKS:
            for day in DAYS:
                for h in horizons():
                    rows = regression_rows(market, stock, day, h)
                    n, p, status, r2, icpt, coef, corr = db.execute(
                        "SELECT n, n_features, status, r2, intercept, coef, corr FROM regressions "
                        "WHERE stock=? AND day=? AND horizon=?",
                        (stock, str(day), h),
                    ).fetchone()
                    with connect(market["db"]) as ro:
                        [(_, _, stored)] = day_moments(ro, "seed", h, [stock], str(day), str(day))
                    assert status == "ok", status
                    assert n == len(rows) and p == rows.shape[1] - 1
                    # Stored sufficient statistics are the rows' moments.
                    ref = Moments.from_rows(rows)
                    scale = np.sqrt(np.outer(np.diag(ref.m2), np.diag(ref.m2))) + 1e-300
                    assert stored.n == n
                    assert np.abs(stored.m2 - ref.m2).max() / scale.max() < 1e-9
                    np.testing.assert_allclose(stored.mean, ref.mean, rtol=1e-9, atol=1e-12)
                    # The fit equals an independent lstsq ridge on the design matrix.
                    lcoef, licpt, lr2 = lstsq_ridge(rows, LAMBDA)
                    np.testing.assert_allclose(blob(coef), lcoef, rtol=1e-5, atol=1e-9 * np.abs(lcoef).max())
                    assert icpt == pytest.approx(licpt, rel=1e-5, abs=1e-9)
                    assert r2 == pytest.approx(lr2, rel=1e-7, abs=1e-10)
                    x, y = rows[:, :-1], rows[:, -1]
                    with np.errstate(invalid="ignore", divide="ignore"):
                        rcorr = np.array(
                            [np.corrcoef(x[:, j], y)[0, 1] if x[:, j].std() > 0 else np.nan for j in range(p)]
                        )
                    np.testing.assert_allclose(blob(corr), rcorr, rtol=1e-7, atol=1e-10)


def test_next_day_r2_from_rows(market: dict) -> None:
    with sqlite3.connect(market["db"]) as db:
        for stock in STOCKS:
            for h in horizons():
                day1, day2, r2_next = db.execute(
                    "SELECT day, next_day, r2_next FROM next_day WHERE stock=? AND horizon=?", (stock, h)
                ).fetchone()
                assert (day1, day2) == (str(DAYS[0]), str(DAYS[1]))
                coef, icpt, _ = lstsq_ridge(regression_rows(market, stock, DAYS[0], h), LAMBDA)
                test = regression_rows(market, stock, DAYS[1], h)
                resid = test[:, -1] - icpt - test[:, :-1] @ coef
                yc = test[:, -1] - test[:, -1].mean()
                assert r2_next == pytest.approx(1 - resid @ resid / (yc @ yc), rel=1e-6, abs=1e-9)


def test_pool_equals_fit_on_all_rows(market: dict) -> None:
    out = subprocess.run(
        [str(binary("ticklab-stats")), "pool", "--config", str(market["cfg"]), "--horizon", "10s", "1t"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert [r["horizon"] for r in result["results"]] == ["10s", "1t"]
    for r in result["results"]:
        rows = np.vstack([regression_rows(market, s, d, r["horizon"]) for s in STOCKS for d in DAYS])
        assert r["n"] == len(rows) and r["stock_days"] == 4 and r["n_stocks"] == 2
        coef, icpt, r2 = lstsq_ridge(rows, LAMBDA)
        got = np.array([f["coef"] if f["coef"] is not None else np.nan for f in r["features"]])
        np.testing.assert_allclose(got, coef, rtol=1e-5, atol=1e-9 * np.abs(coef).max())
        assert r["r2"] == pytest.approx(r2, rel=1e-6, abs=1e-10)
        # Python pooling of the stored moments agrees with the C++ core.
        with connect(market["db"]) as db:
            fit = ridge(pooled_moments(db, "seed", r["horizon"]), LAMBDA)
        assert fit.r2 == pytest.approx(r["r2"], rel=1e-9, abs=1e-12)
    # A sub-selection: one stock, one day.
    one = json.loads(
        subprocess.run(
            [
                str(binary("ticklab-stats")),
                "pool",
                "--config",
                str(market["cfg"]),
                "--stocks",
                "BBB",
                "--from",
                "2024-01-03",
                "--to",
                "2024-01-03",
                "--horizon",
                "10t",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert one["results"][0]["stock_days"] == 1
    assert one["results"][0]["n"] == len(regression_rows(market, "BBB", DAYS[1], "10t"))


def test_rerun_skips_same_lineage_and_recomputes_changed_inputs(market: dict) -> None:
    def snapshot() -> list:
        with sqlite3.connect(market["db"]) as db:
            return db.execute(
                "SELECT stock, day, horizon, n, r2, coef FROM regressions ORDER BY 1, 2, 3"
            ).fetchall()

    before = snapshot()
    again = run_tool("ticklab-stats", ["--config", str(market["cfg"])], progress=False)
    assert again["computed"] == 0 and again["skipped"] == 4
    assert snapshot() == before
    # Change one store file (a different trade size): only that stock-day is recomputed.
    stock, day = STOCKS[1], DAYS[0]
    t = market["ticks"][stock, day].copy()
    t["trade_size"][len(t) // 2] += 100
    write_ticks(market["root"] / "data" / "store" / stock / f"{day}.tick", stock, day, t)
    changed = run_tool("ticklab-stats", ["--config", str(market["cfg"])], progress=False)
    assert changed["computed"] == 1 and changed["skipped"] == 3
    with sqlite3.connect(market["db"]) as db:
        assert db.execute("SELECT COUNT(*) FROM day_stats").fetchone()[0] == 4
        assert db.execute("SELECT COUNT(*) FROM regressions").fetchone()[0] == 4 * len(horizons())
        assert db.execute("SELECT COUNT(*) FROM next_day").fetchone()[0] == 2 * len(horizons())
    assert snapshot() == before  # features unchanged -> same regressions


def test_killed_run_leaves_whole_days_and_rerun_completes(market: dict) -> None:
    cfg = market["root"] / "killed.toml"
    cfg.write_text(market["cfg"].read_text().replace("data/stats.sqlite", "data/killed.sqlite"))
    db_path = market["root"] / "data" / "killed.sqlite"
    proc = subprocess.Popen(
        [str(binary("ticklab-stats")), "--config", str(cfg), "--threads", "1", "--progress-json"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if '"progress"' in line:
            proc.kill()  # SIGKILL right after the first committed stock-day
            break
    proc.wait()
    with sqlite3.connect(db_path) as db:
        days = db.execute("SELECT stock, day, n_features FROM day_stats").fetchall()
        assert 1 <= len(days) <= 4
        for stock, day, p in days:
            assert db.execute(
                "SELECT COUNT(*) FROM regressions WHERE stock=? AND day=?", (stock, day)
            ).fetchone()[0] == len(horizons())
            assert (
                db.execute(
                    "SELECT COUNT(*) FROM feature_stats WHERE stock=? AND day=?", (stock, day)
                ).fetchone()[0]
                == p
            )
        assert db.execute("SELECT COUNT(*) FROM day_moments").fetchone()[0] == len(days)
        orphans = db.execute(
            "SELECT COUNT(*) FROM regressions r LEFT JOIN day_stats d USING(stock, day, feature_set) "
            "WHERE d.stock IS NULL"
        ).fetchone()[0]
        assert orphans == 0
    done = len(days)
    rest = run_tool("ticklab-stats", ["--config", str(cfg)], progress=False)
    assert rest["skipped"] == done and rest["computed"] == 4 - done


def test_python_moments_merge_and_unpack() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(5, 2, (300, 4)), rng.normal(-1, 3, (200, 4))
    merged = Moments.from_rows(a).merge(Moments.from_rows(b))
    whole = Moments.from_rows(np.vstack([a, b]))
    assert merged.n == 500
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-12)
    np.testing.assert_allclose(merged.m2, whole.m2, rtol=1e-10)
    packed = whole.m2[np.triu_indices(4)].astype("<f8").tobytes()
    np.testing.assert_array_equal(unpack_upper(packed, 4), whole.m2)
    with pytest.raises(ValueError):
        unpack_upper(packed, 5)
    # numpy ridge with lambda 0 is OLS: compare with lstsq on [1, x].
    y = a @ np.array([0.5, -1.0, 0.0, 2.0]) + rng.normal(0, 0.1, 300)
    fit = ridge(Moments.from_rows(np.column_stack([a, y])), 0.0)
    beta = np.linalg.lstsq(np.column_stack([np.ones(300), a]), y, rcond=None)[0]
    np.testing.assert_allclose(fit.coef, beta[1:], rtol=1e-9, atol=1e-12)
    assert fit.intercept == pytest.approx(beta[0], rel=1e-9, abs=1e-12)
