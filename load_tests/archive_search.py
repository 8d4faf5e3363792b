"""python -m load_tests.archive_search [--documents 5000] [--json OUT.json]

Builds an archive index (server/archive_index.py, SQLite FTS5) of N documents in a temporary
directory, each of a few pages of Vietnamese text drawn from a word list with a Zipf-like
frequency (seeded: every run indexes the same text), grouped 100 documents to a meeting, then
times searches as the organiser's search box sends them: common and rare words, two- and
three-word queries, without diacritics, the last word as a prefix. Reports p50 / p99 / max in
ms (target: p99 < 100 ms at 5,000 documents; docs/performance.md). It measures the index
itself, in one thread, as a request's worker thread runs it; not the HTTP round trip.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from server.archive_index import ArchiveIndex, Passage, Record

WORDS = (
    "hội nghị đại hội mặt trận tổ quốc việt nam ủy ban nhân dân tỉnh quảng ninh huyện xã "
    "phường thị trấn báo cáo tổng kết công tác năm nhiệm kỳ phương hướng nhiệm vụ đoàn kết "
    "toàn dân xây dựng nông thôn mới đô thị văn minh giám sát phản biện xã hội góp ý đảng "
    "chính quyền cán bộ đảng viên hội viên đoàn viên thanh niên phụ nữ nông dân cựu chiến "
    "binh công đoàn tôn giáo dân tộc thiểu số vùng cao biên giới hải đảo an sinh giảm nghèo "
    "bền vững nhà đại đoàn kết quỹ vì người nghèo cứu trợ thiên tai bão lũ dịch bệnh chuyển "
    "đổi số cải cách hành chính tiếp công dân khiếu nại tố cáo ngân sách dự toán quyết toán "
    "nghị quyết chương trình kế hoạch đề án thông qua biểu quyết tán thành không tán thành "
    "ý kiến khác bầu cử ứng cử hiệp thương danh sách chủ tịch phó chủ tịch ủy viên thường trực "
    "ban thư ký khai mạc bế mạc tham luận kiến nghị đề xuất khen thưởng thi đua điển hình tiên "
    "tiến môi trường du lịch kinh tế biển hạ long cẩm phả uông bí móng cái vân đồn cô tô"
).split()


def _page(rng: random.Random, words: int) -> str:
    # Zipf-like: the first words of the list are the common ones.
    weights = [1.0 / (rank + 1) for rank in range(len(WORDS))]
    return " ".join(rng.choices(WORDS, weights, k=words)).capitalize() + "."


def build(index: ArchiveIndex, documents: int, pages: int, words: int, seed: int) -> int:
    rng = random.Random(seed)
    passages_total = 0
    per_meeting = 100
    for first in range(0, documents, per_meeting):
        meeting = f"m{first // per_meeting:04d}"
        title = f"Hội nghị {' '.join(rng.choices(WORDS, k=4))}"
        passages = [Passage("meeting", title, title)]
        for d in range(first, min(first + per_meeting, documents)):
            label = " ".join(rng.choices(WORDS, k=5)).capitalize()
            passages += [Passage("document", label, _page(rng, words), f"documents/d{d}-v1.pdf", p)
                         for p in range(1, pages + 1)]
        record = Record(id=meeting, title=title, organisation="Ủy ban MTTQ tỉnh Quảng Ninh",
                        year=2020 + first // per_meeting % 7, status="closed", closed_at=first,
                        archived_at=first, final_hash="0" * 64, zip_sha256="0" * 64)
        index.put(record, passages)
        passages_total += len(passages)
    return passages_total


QUERIES = ("hoi nghi", "nong thon moi", "ngan sach du toan", "dai doan ket", "co to",
           "bau cu hiep thuong", "chuyen doi so", "khen thuong", "van don", "mat tran to quoc",
           "thien tai bao lu", "quang ninh", "giam ngheo ben vung", "bien gioi hai dao", "ha lo")


def measure(index: ArchiveIndex, rounds: int) -> list[float]:
    timings: list[float] = []
    for _ in range(rounds):
        for query in QUERIES:
            start = time.perf_counter()
            index.search(query, 20)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load_tests.archive_search",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=4, help="pages per document")
    parser.add_argument("--words", type=int, default=250, help="words per page")
    parser.add_argument("--rounds", type=int, default=20, help="times each query is run")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        index = ArchiveIndex(Path(tmp) / "index.sqlite3")
        started = time.perf_counter()
        passages = build(index, args.documents, args.pages, args.words, args.seed)
        built_s = time.perf_counter() - started
        size = (Path(tmp) / "index.sqlite3").stat().st_size
        timings = sorted(measure(index, args.rounds))
    result = {
        "scenario": "archive-search", "documents": args.documents, "passages": passages,
        "index_bytes": size, "build_s": round(built_s, 1), "searches": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 2),
        "max_ms": round(timings[-1], 2), "target_p99_ms": 100,
    }
    for key, value in result.items():
        print(f"{key:>14}: {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0 if result["p99_ms"] < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
