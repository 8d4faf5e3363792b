"""The /healthz poller of scripts/bench_load.py, in a process of its own: GET /healthz every
20 ms on one kept-alive connection until stdin closes, then print the longest answer in ms.

    python -m scripts.healthz_poller http://127.0.0.1:18917

It prints `polling` once its first answer has come back. Standard library only, so that it
starts in a fraction of a second and nothing else runs in it.
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
import urllib.parse


def main(base: str) -> int:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    stop = threading.Event()
    longest = 0.0

    def get() -> float:
        started = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        return time.perf_counter() - started

    def poll() -> None:
        nonlocal longest
        while not stop.is_set():
            longest = max(longest, get())
            stop.wait(0.02)

    get()
    print("polling", flush=True)
    thread = threading.Thread(target=poll)
    thread.start()
    sys.stdin.read()  # until the bench closes it
    stop.set()
    thread.join()
    print(f"{longest * 1000:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
