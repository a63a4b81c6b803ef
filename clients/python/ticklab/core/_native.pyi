"""Type stubs of ticklab.core._native (services/python/*.cc), so editors complete the bindings."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

class Error(Exception): ...
class InvalidArgumentError(Error, ValueError): ...
class NotFoundError(Error, FileNotFoundError): ...
class DataLossError(Error, OSError): ...
class IoError(Error, OSError): ...
class FailedPreconditionError(Error): ...
class UnimplementedError(Error, NotImplementedError): ...
class CancelledError(Error): ...
class InternalError(Error, RuntimeError): ...

# Layer 1
class Tick:
    timestamp: int
    ts_ns: int
    fingerprint: int
    type: str
    events: tuple[str, ...]
    seq: int
    symbol: int
    bidPrice: float
    bid_price: float
    bidSize: float
    bid_size: float
    askPrice: float
    ask_price: float
    askSize: float
    ask_size: float
    tradePrice: float
    trade_price: float
    tradeSize: float
    trade_size: float

class DataSource:
    format: str
    symbols: list[str]
    bad_rows: int
    def next(self) -> Tick | None: ...
    def __iter__(self) -> Iterator[Tick]: ...
    def __next__(self) -> Tick: ...
    def next_batch(self, n: int) -> np.ndarray: ...

def get_data_source(
    path: str, *, skip_bad_rows: bool = False, timezone: str = "America/New_York"
) -> DataSource: ...
def get_stock_data_source(
    stock: str, path: str, *, skip_bad_rows: bool = False, timezone: str = "America/New_York"
) -> DataSource: ...

# Layer 2
class IndicatorSet:
    name: str
    columns: list[str]
    config_hash: int
    @staticmethod
    def from_config(config: str, set_name: str) -> IndicatorSet: ...
    @staticmethod
    def from_dict(
        spec: Mapping[str, Any],
        *,
        timezone: str = "America/New_York",
        open: str = "09:30:00",
        close: str = "16:00:00",
    ) -> IndicatorSet: ...
    def clone(self) -> IndicatorSet: ...
    def compute(
        self, ticks: np.ndarray, date: object, *, out: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[str]]: ...
    def compute_day(
        self, input: str, output: str, stock: str, date: object, *, verify: bool = True
    ) -> dict[str, int]: ...
    def compute_rows(self, ticks: np.ndarray, date: object) -> np.ndarray: ...
    def reset(self, date: object) -> None: ...
    def push(self, tick: Tick) -> np.ndarray: ...
    def push_ticks(self, ticks: np.ndarray) -> np.ndarray: ...

def register_indicator(kind: str, factory: Callable[..., Any]) -> None: ...
def indicator_kinds() -> list[str]: ...

# Layer 3
class Moments:
    dim: int
    count: int
    mean: np.ndarray
    comoments: np.ndarray
    def __init__(self, dim: int) -> None: ...
    def add_rows(self, rows: np.ndarray) -> None: ...
    def merge(self, other: Moments) -> None: ...
    def select(self, coords: Sequence[int]) -> Moments: ...
    def packed(self) -> np.ndarray: ...
    @staticmethod
    def from_packed(dim: int, count: int, mean: Sequence[float], packed: Sequence[float]) -> Moments: ...

class FeatureSummary:
    count: int
    mean: float
    std: float
    min: float
    max: float

class DayAccumulator:
    rows: int
    rows_bad_quote: int
    rows_bad_features: int
    rows_no_target: int
    def __init__(self, num_features: int, horizons: Sequence[str]) -> None: ...
    def add_rows(self, rows: np.ndarray) -> None: ...
    def finish(self) -> None: ...
    def joint_moments(self) -> Moments: ...
    def horizon_moments(self, h: int) -> Moments: ...
    def feature_summaries(self) -> list[FeatureSummary]: ...

class DayRows:
    accumulator: DayAccumulator
    rows_checksum: int
    def __init__(self, date: str, num_features: int, horizons: Sequence[str]) -> None: ...
    def add_rows(self, rows: np.ndarray) -> None: ...
    def finish(self) -> None: ...

class RidgeFit:
    ok: bool
    error: str
    n: int
    num_features: int
    used_features: int
    lam: float
    y_mean: float
    y_std: float
    intercept: float
    coef: np.ndarray
    coef_std: np.ndarray
    corr: np.ndarray
    r2: float

def fit_ridge(moments: Moments, lam: float) -> RidgeFit: ...
def out_of_sample_r2(fit: RidgeFit, moments: Moments) -> float: ...

class PoolResult:
    horizon: str
    stock_days: int
    stocks: int
    first_day: str
    last_day: str
    fit: RidgeFit

def pool(
    database: str,
    set: str,
    horizons: Sequence[str],
    *,
    stocks: Sequence[str] = ...,
    from_: str = "",
    to: str = "",
    lam: float = 1e-6,
) -> list[PoolResult]: ...

# The research path's readers (research_module.cc; ticklab.io.store.tick_columns, ...)
def tick_columns(
    ticks: np.ndarray, names: Sequence[str], *, checksum: bool = True, threads: int = 1
) -> tuple[dict[str, np.ndarray], int | None]: ...
def archive_columns(path: str, names: Sequence[str]) -> dict[str, np.ndarray]: ...
def release_column_buffers() -> int: ...
def verify_feature_file(path: str, *, threads: int = 1) -> None: ...
def feature_first_bad_column(columns: list[np.ndarray], checks: np.ndarray, check_rows: int, *,
                             threads: int = 1) -> int: ...
def feature_rows_checksum(ts_ns: np.ndarray, fingerprint: np.ndarray, values: np.ndarray) -> int: ...
