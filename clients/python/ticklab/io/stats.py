"""Reading Layer 3's stats database (schema: docs/stats-schema.md) from Python: the one home of the
Python SQL over that schema.

The C++ batch (`ticklab-stats`) writes one SQLite database. Sufficient statistics are stored per
stock, day and feature set (table ``day_moments``) as float64 BLOBs: ``mean`` (p+H values: features
then one target per horizon) and ``comoment`` (the upper triangle, row by row, of the centered
cross-product matrix of [x_1..x_p, y_1..y_H]). This module decodes them with numpy, merges them
exactly and fits the same standardised ridge regression as the C++ core, so researchers can pool or
refit without rereading ticks::

    db = connect(cfg.stats.database)
    m = pooled_moments(db, "seed", "10s", stocks=["AAPL"], start="2024-01-02", end="2024-01-31")
    fit = ridge(m, lam=1e-6)

It also answers what the CLI asks of the database: the first stored horizon of a set
(`first_horizon`) and one summary row per stock-day (`day_summaries`). Opening the database and the
queries that need no numpy (whether a stock-day is stored, a day's lineage: what the pipeline asks)
are in :mod:`ticklab.io.stats_db`, re-exported here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from ticklab.io.stats_db import StatsDatabaseError, connect, day_lineage, has_day  # noqa: F401


@dataclass
class Moments:
    """Count, mean and centered cross-product matrix (full, symmetric) of a d-vector."""

    n: int
    mean: np.ndarray  # (d,)
    m2: np.ndarray  # (d, d)

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> Moments:
        rows = np.asarray(rows, dtype=np.float64)
        mean = rows.mean(axis=0) if len(rows) else np.zeros(rows.shape[1])
        c = rows - mean
        return cls(len(rows), mean, c.T @ c)

    def merge(self, other: Moments) -> Moments:
        """The moments of both samples together (exact pairwise update)."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        m2 = self.m2 + other.m2 + np.outer(delta, delta) * (self.n * other.n / n)
        return Moments(n, mean, m2)


def unpack_upper(packed: bytes | np.ndarray, dim: int) -> np.ndarray:
    """The symmetric (dim, dim) matrix from a row-by-row upper-triangle float64 BLOB."""
    values = np.frombuffer(packed, dtype="<f8") if isinstance(packed, bytes) else np.asarray(packed)
    if values.size != dim * (dim + 1) // 2:
        raise ValueError(f"packed matrix of {values.size} values does not fit dimension {dim}")
    out = np.zeros((dim, dim))
    iu = np.triu_indices(dim)
    out[iu] = values
    return out + np.triu(out, 1).T


def blob(data: bytes | None) -> np.ndarray | None:
    """A float64 BLOB column as a numpy array (None stays None)."""
    return None if data is None else np.frombuffer(data, dtype="<f8")


def horizon_order(label: str) -> tuple[int, float, str]:
    """Sort key of horizon labels: time horizons ("1s", "10s") by length, then row horizons ("10t")."""
    unit, num = label[-1:], label[:-1]
    try:
        value = float(num)
    except ValueError:
        return (2, 0.0, label)
    return (0 if unit == "s" else 1, value, label)


def horizons(db: sqlite3.Connection, feature_set: str) -> list[str]:
    """The horizon labels stored for `feature_set`, shortest time horizon first, then row horizons."""
    rows = db.execute("SELECT DISTINCT horizon FROM regressions WHERE feature_set=?", (feature_set,))
    return sorted((r[0] for r in rows), key=horizon_order)


def first_horizon(db: sqlite3.Connection, feature_set: str) -> str:
    """The default horizon of `feature_set`: its shortest stored time horizon ('' if none)."""
    found = horizons(db, feature_set)
    return found[0] if found else ""


#: The columns of `day_summaries`, in order.
SUMMARY_COLUMNS = ("stock", "day", "n_ticks", "n_trades", "volume", "vwap", "tw_spread", "rv_mid", "n_rows",
                   "n", "r2", "r2_next", "code_version")


def day_summaries(db: sqlite3.Connection, feature_set: str, horizon: str,
                  stocks: list[str] | None = None) -> list[tuple]:
    """One row per stored stock-day of the set (`SUMMARY_COLUMNS`): its market stats, the R² of
    `horizon` in-sample and on the next day (None when missing); sorted by stock and day."""
    sql = (
        "SELECT d.stock, d.day, d.n_ticks, d.n_trades, d.volume, d.vwap, d.tw_spread, d.rv_mid, "
        "d.n_rows, r.n, r.r2, nd.r2_next, d.code_version FROM day_stats d "
        "LEFT JOIN regressions r ON r.stock=d.stock AND r.day=d.day AND r.feature_set=d.feature_set "
        "AND r.horizon=?2 "
        "LEFT JOIN next_day nd ON nd.stock=d.stock AND nd.day=d.day AND nd.feature_set=d.feature_set "
        "AND nd.horizon=?2 WHERE d.feature_set=?1"
    )
    args: list = [feature_set, horizon]
    if stocks:
        sql += f" AND d.stock IN ({','.join('?' * len(stocks))})"
        args += list(stocks)
    return db.execute(sql + " ORDER BY d.stock, d.day", args).fetchall()


def day_moments(
    db: sqlite3.Connection,
    feature_set: str,
    horizon: str,
    stocks: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[tuple[str, str, Moments]]:
    """(stock, day, Moments of [x, y_horizon]) of every stored stock-day in the selection.

    Each day stores one joint matrix of [x, y_1..y_H] (table ``day_moments``, targets in the order of
    its ``horizons`` column); the horizon's target is selected from it. Days without that horizon are
    left out. Sorted by stock and day.
    """
    sql = (
        "SELECT stock, day, n, n_features, horizons, mean, comoment FROM day_moments "
        "WHERE feature_set=? AND day>=? AND day<=?"
    )
    args: list = [feature_set, start or "0000-00-00", end or "9999-99-99"]
    if stocks:
        sql += f" AND stock IN ({','.join('?' * len(stocks))})"
        args += list(stocks)
    out = []
    for stock, day, n, p, labels, mean, comoment in db.execute(sql + " ORDER BY stock, day", args):
        labels = labels.split(",")
        if horizon not in labels:
            continue
        keep = [*range(p), p + labels.index(horizon)]
        full = unpack_upper(comoment, p + len(labels))
        out.append((stock, day, Moments(n, blob(mean)[keep].copy(), full[np.ix_(keep, keep)])))
    return out


def pooled_moments(
    db: sqlite3.Connection,
    feature_set: str,
    horizon: str,
    stocks: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Moments:
    """The merged moments of the selection (equal to the moments of all its rows at once)."""
    days = day_moments(db, feature_set, horizon, stocks, start, end)
    if not days:
        raise LookupError(f"no stored statistics for set {feature_set!r} horizon {horizon}")
    total = days[0][2]
    for _, _, m in days[1:]:
        total = total.merge(m)
    return total


@dataclass
class RidgeFit:
    """A standardised ridge fit; arrays have one entry per feature."""

    n: int
    coef: np.ndarray  # raw scale
    coef_std: np.ndarray  # standardised (beta weights)
    corr: np.ndarray  # correlation of each feature with the target (NaN if constant)
    intercept: float
    r2: float


def ridge(m: Moments, lam: float) -> RidgeFit:
    """The C++ core's regression (services/stats/ridge.h) with numpy.linalg: y = last coordinate.

    Features are standardised, ``(R + lam I) c = r`` on the correlation scale, the intercept is
    unpenalised, constant features get coefficient 0 and correlation NaN.
    """
    p = m.mean.size - 1
    s = np.diag(m.m2)
    used = np.array([s[j] > 0 and s[j] > m.n * (1e-10 * abs(m.mean[j])) ** 2 for j in range(p)], dtype=bool)
    sx = np.sqrt(s[:p][used])
    sy = np.sqrt(m.m2[p, p])
    r_mat = m.m2[:p, :p][np.ix_(used, used)] / np.outer(sx, sx)
    r_vec = m.m2[:p, p][used] / (sx * sy)
    c = np.linalg.solve(r_mat + lam * np.eye(used.sum()), r_vec) if used.any() else np.zeros(0)
    coef = np.zeros(p)
    coef_std = np.zeros(p)
    corr = np.full(p, np.nan)
    coef_std[used] = c
    coef[used] = c * sy / sx
    corr[used] = r_vec
    r2 = float(2 * c @ r_vec - c @ r_mat @ c)
    intercept = float(m.mean[p] - coef @ m.mean[:p])
    return RidgeFit(m.n, coef, coef_std, corr, intercept, r2)


def r2_on(fit: RidgeFit, m: Moments) -> float:
    """1 - SSE/SST of `fit`'s predictions on the sample summarised by `m` (e.g. the next day)."""
    p = fit.coef.size
    b = fit.coef
    syy = m.m2[p, p]
    bias = m.mean[p] - fit.intercept - b @ m.mean[:p]
    sse = syy - 2 * b @ m.m2[:p, p] + b @ m.m2[:p, :p] @ b + m.n * bias * bias
    return float(1 - sse / syy)
