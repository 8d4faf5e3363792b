"""Process metrics in the Prometheus text format (counters, gauges, one latency histogram)."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.counters: dict[str, float] = defaultdict(float)
        self.gauges: dict[str, float] = defaultdict(float)
        self._hist_counts = [0] * (len(_BUCKETS) + 1)
        self._hist_sum = 0.0
        self._gc_started = 0.0
        # Present from the start, so dashboards and alerts see 0 rather than no series.
        for name in ("phonghop_events_total", "phonghop_queue_drops_total",
                     "phonghop_protocol_errors_total", "phonghop_commands_rejected_total"):
            self.counters[name] = 0.0
        self.gauges["phonghop_connections"] = 0.0

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """A gc.callbacks hook: a collection pauses every connection of the process, so its
        count and time per generation are worth watching under load."""
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        gen = info.get("generation", "?")
        self.counters[f'phonghop_gc_collections_total{{generation="{gen}"}}'] += 1
        self.counters[f'phonghop_gc_seconds_total{{generation="{gen}"}}'] += took
        longest = "phonghop_gc_longest_pause_seconds"
        self.gauges[longest] = max(self.gauges[longest], took)

    def inc(self, name: str, amount: float = 1.0) -> None:
        self.counters[name] += amount

    def observe_fanout(self, seconds: float) -> None:
        self._hist_sum += seconds
        for i, bound in enumerate(_BUCKETS):
            if seconds <= bound:
                self._hist_counts[i] += 1
                return
        self._hist_counts[-1] += 1

    def render(self) -> str:
        lines: list[str] = []
        for kind, values in (("counter", self.counters), ("gauge", self.gauges)):
            seen: set[str] = set()
            for name, value in sorted(values.items()):
                base = name.split("{")[0]
                if base not in seen:
                    seen.add(base)
                    lines.append(f"# TYPE {base} {kind}")
                lines.append(f"{name} {value:g}")
        lines.append("# HELP phonghop_fanout_seconds time from an event's arrival to queued sends")
        lines.append("# TYPE phonghop_fanout_seconds histogram")
        cumulative = 0
        for bound, count in zip(_BUCKETS, self._hist_counts, strict=False):
            cumulative += count
            lines.append(f'phonghop_fanout_seconds_bucket{{le="{bound}"}} {cumulative}')
        cumulative += self._hist_counts[-1]
        lines.append(f'phonghop_fanout_seconds_bucket{{le="+Inf"}} {cumulative}')
        lines.append(f"phonghop_fanout_seconds_sum {self._hist_sum:g}")
        lines.append(f"phonghop_fanout_seconds_count {cumulative}")
        return "\n".join(lines) + "\n"
