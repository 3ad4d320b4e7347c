"""A realistic data-science cell for token and wall-time benchmarks: loading, cleaning, features, a model.

Twenty undocumented definitions (functions, a class with methods, a generator) that import pandas, numpy and
scikit-learn names and call one another, as a notebook that grew over a week does.
"""

from __future__ import annotations

_IMPORTS = """import json
import numpy as np
import pandas as pd
from pathlib import Path
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
"""

_BODY = '''
RAW_DIR = Path("data/raw")


def load_sales{s}(path: Path, *, sep: str = ",", parse_dates: bool = True) -> pd.DataFrame:
    frame = pd.read_csv(path, sep=sep)
    if parse_dates:
        frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    return frame


def load_all{s}(folder: Path = RAW_DIR) -> pd.DataFrame:
    frames = [load_sales{s}(p) for p in sorted(folder.glob("*.csv"))]
    if not frames:
        raise FileNotFoundError(folder)
    return pd.concat(frames, ignore_index=True)


def drop_duplicates{s}(frame: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    return frame.drop_duplicates(subset=keys).reset_index(drop=True)


def fill_missing{s}(frame: pd.DataFrame, strategy: str = "median") -> pd.DataFrame:
    if strategy not in ("median", "mean", "zero"):
        raise ValueError(f"unknown strategy {{strategy}}")
    numeric = frame.select_dtypes("number")
    if strategy == "zero":
        values = 0
    else:
        values = getattr(numeric, strategy)()
    return frame.fillna(values)


def clip_outliers{s}(series: pd.Series, low: float = 0.01, high: float = 0.99) -> pd.Series:
    lo, hi = series.quantile([low, high])
    return series.clip(lo, hi)


def clean{s}(frame: pd.DataFrame) -> pd.DataFrame:
    frame = drop_duplicates{s}(frame, ["order_id"])
    frame = fill_missing{s}(frame)
    frame["amount"] = clip_outliers{s}(frame["amount"])
    return frame


def add_calendar{s}(frame: pd.DataFrame, column: str = "date") -> pd.DataFrame:
    dates = frame[column].dt
    return frame.assign(year=dates.year, month=dates.month, weekday=dates.weekday)


def rolling_mean{s}(series: pd.Series, window: int = 7, min_periods: int | None = None) -> pd.Series:
    return series.rolling(window, min_periods=min_periods or window).mean()


def add_lags{s}(frame: pd.DataFrame, column: str, lags=(1, 7, 28)) -> pd.DataFrame:
    for lag in lags:
        frame[f"{{column}}_lag{{lag}}"] = frame[column].shift(lag)
    return frame


def one_hot{s}(frame: pd.DataFrame, columns, drop_first=False):
    return pd.get_dummies(frame, columns=list(columns), drop_first=drop_first)


def build_features{s}(frame: pd.DataFrame) -> pd.DataFrame:
    frame = add_calendar{s}(clean{s}(frame))
    frame["amount_7d"] = rolling_mean{s}(frame["amount"])
    return one_hot{s}(add_lags{s}(frame, "amount"), ["region"])


def split{s}(frame: pd.DataFrame, target: str, test_size: float = 0.2, seed: int = 0):
    features = frame.drop(columns=[target])
    return train_test_split(features, frame[target], test_size=test_size, random_state=seed)


def batches{s}(frame: pd.DataFrame, size: int = 1000):
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


class ChurnModel{s}:
    def __init__(self, threshold: float = 0.5, max_iter: int = 200):
        self.threshold = threshold
        self.model = LogisticRegression(max_iter=max_iter)
        self.columns: list[str] = []

    def fit(self, features: pd.DataFrame, labels: pd.Series) -> "ChurnModel{s}":
        self.columns = list(features.columns)
        self.model.fit(features.to_numpy(), labels.to_numpy())
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        if not self.columns:
            raise RuntimeError("fit the model first")
        return self.model.predict_proba(features[self.columns].to_numpy())[:, 1]

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(features) >= self.threshold).astype(int)


def accuracy{s}(labels, predicted) -> float:
    return float(np.mean(np.asarray(labels) == np.asarray(predicted)))


def save_report{s}(metrics: dict[str, float], path: Path) -> None:
    path.write_text(json.dumps(metrics, indent=2))
'''


def data_science_cell(copies: int = 1) -> str:
    """A data-science cell: the imports, then ``copies`` renamed copies of 20 definitions.

    Args:
        copies: How many copies of the twenty definitions (1 → 20 targets, 5 → 100 targets).

    Returns:
        The cell text.
    """
    bodies = [_BODY.format(s="" if n == 0 else f"_{n}") for n in range(copies)]
    return _IMPORTS + "".join(bodies)


def data_science_function() -> str:
    """A one-function cell from the same notebook.

    Returns:
        The cell text.
    """
    return _IMPORTS + _BODY.split("\n\n\n")[3].format(s="") + "\n"
