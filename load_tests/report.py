"""The result of a run: the stable JSON fields (documented in docs/performance.md), the
summary table printed on the terminal, and percentile arithmetic."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# The stable fields, in the order they are written. Never rename; add new figures to `extra`.
FIELDS = (
    "scenario",
    "target",
    "delegates",
    "duration_s",
    "acked",
    "lost",
    "duplicates",
    "gaps",
    "reach",
    "latency_ms",
    "deliveries_per_s",
    "server_cpu_s",
    "server_rss_mb",
    "server_cpu_us_per_delivery",
)


@dataclass
class Result:
    scenario: str
    target: str
    delegates: int
    duration_s: float = 0.0
    acked: int = 0
    lost: int = 0
    duplicates: int = 0
    gaps: int = 0
    reach: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    deliveries_per_s: float = 0.0
    server_cpu_s: float = 0.0
    server_rss_mb: float = 0.0
    server_cpu_us_per_delivery: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def with_server(self, cpu_s: float, rss_bytes: int, per: int) -> Result:
        """Set the three server figures: CPU seconds, RSS in MiB, and CPU µs per delivery
        (per connection in connect-storm and idle-memory; 0 when there were none)."""
        self.server_cpu_s = round(cpu_s, 3)
        self.server_rss_mb = round(rss_bytes / 2**20, 1)
        self.server_cpu_us_per_delivery = round(cpu_s * 1e6 / per, 2) if per else 0.0
        return self

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        out = {name: data[name] for name in FIELDS}
        out["extra"] = data["extra"]
        return out

    @property
    def clean(self) -> bool:
        """Nothing lost, duplicated or missed, and every expected delivery made."""
        return self.lost == 0 and self.duplicates == 0 and self.gaps == 0 and self.reach >= 1.0


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        # Nearest rank: the smallest value with at least q of the sample at or below it.
        index = max(0, math.ceil(q * len(ordered)) - 1)
        return round(ordered[index], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2)}


def write_json(result: Result | dict[str, Any], path: str | Path | None) -> None:
    if not path:
        return
    data = result.to_json() if isinstance(result, Result) else result
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")


def table(result: Result) -> str:
    lat = result.latency_ms
    rows = [
        ("scenario", result.scenario),
        ("target", result.target),
        ("delegates", f"{result.delegates}"),
        ("duration", f"{result.duration_s:.1f} s"),
        ("acked / lost", f"{result.acked} / {result.lost}"),
        ("duplicates / gaps", f"{result.duplicates} / {result.gaps}"),
        ("reach", f"{result.reach * 100:.3f} %"),
        (
            "latency ms",
            f"p50 {lat.get('p50', 0):.1f}  p95 {lat.get('p95', 0):.1f}  "
            f"p99 {lat.get('p99', 0):.1f}  max {lat.get('max', 0):.1f}",
        ),
        ("deliveries/s", f"{result.deliveries_per_s:,.0f}"),
        ("server CPU", f"{result.server_cpu_s:.2f} s"),
        ("server RSS", f"{result.server_rss_mb:.1f} MB"),
        ("CPU/delivery", f"{result.server_cpu_us_per_delivery:.1f} µs"),
    ]
    for key, value in result.extra.items():
        if isinstance(value, float):
            value = f"{value:,.3f}"
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        rows.append((key, str(value)))
    width = max(len(k) for k, _ in rows)
    line = "+" + "-" * (width + 2) + "+" + "-" * 50 + "+"
    body = [f"| {k.ljust(width)} | {str(v)[:48].ljust(48)} |" for k, v in rows]
    return "\n".join([line, *body, line])


def print_table(result: Result) -> None:
    print(table(result), file=sys.stdout, flush=True)
