import csv
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

DATA = """city,month,temp_c,rain_mm
Oslo,1,-4.3,49
Oslo,7,16.4,81
Lima,1,23.1,1
Lima,7,16.8,5
"""


def load_rows(text, delimiter=","):
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    return [dict(r) for r in reader]


def to_float(value: str, default: float = math.nan) -> float:
    try: return float(value)
    except ValueError: return default


def by_city(rows: list[dict[str, str]], *, column: str = "temp_c") -> dict[str, list[float]]:
    out = defaultdict(list)
    for r in rows:
        out[r["city"]].append(to_float(r[column]))
    return dict(out)


def zscores(values, ddof=1):
    if len(values) < 2:
        raise ValueError("need at least two values")
    mu = statistics.fmean(values)
    sd = statistics.stdev(values) if ddof else statistics.pstdev(values)
    for v in values:
        yield (v - mu) / sd


@dataclass
class Summary:
    city: str
    mean: float
    spread: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.city}: {self.mean:.1f} ± {self.spread:.1f}"

    @classmethod
    def from_values(cls, city, values):
        return cls(city, statistics.fmean(values), max(values) - min(values))

    def flag(self, threshold=10.0):
        if self.spread > threshold: self.notes.append("large seasonal swing")  # review later
        return self


def summarise(text: str, column="temp_c") -> list[Summary]:
    return [Summary.from_values(c, v).flag() for c, v in by_city(load_rows(text), column=column).items()]


if __name__ == "__main__":
    for s in summarise(DATA):
        print(s.label, s.notes)
