"""The majority-rule grammar as a client reads it in the contract and in docs/protocol.md.

``rooms.majority.parse_rule`` is what reads a rule; ``protocol`` does not import ``rooms``,
so the words are repeated here and tests/contract/test_majority_grammar.py checks every
phrase and example below against the parser (each example parses to the rule it names, each
word list equals the parser's).
"""

from __future__ import annotations

from typing import Final

STRICT_WORDS: Final = ("more than", "over", "above", "greater than", "quá", "trên", "hơn")
AT_LEAST_WORDS: Final = (
    "at least", "no less than", "not less than", "ít nhất", "tối thiểu", "không ít hơn",
)

# (text, fraction, strict, base): each is read by parse_rule to exactly this rule.
EXAMPLES: Final[tuple[tuple[str, str, bool, str], ...]] = (
    ("more than 1/2 of valid ballots", "1/2", True, "valid"),
    ("quá 1/2 tổng số phiếu hợp lệ", "1/2", True, "valid"),
    ("more than half of the votes cast", "1/2", True, "cast"),
    ("ít nhất 2/3 tổng số phiếu thu vào", "2/3", False, "cast"),
    ("more than 1/2 of delegates present", "1/2", True, "present"),
    ("quá 1/2 tổng số đại biểu có mặt", "1/2", True, "present"),
    ("at least 2/3 of all delegates", "2/3", False, "entitled"),
    ("từ 2/3 tổng số đại biểu trở lên", "2/3", False, "entitled"),
    ("at least 65% of all delegates", "13/20", False, "entitled"),
    ("more than 50.5% of valid votes", "101/200", True, "valid"),
)

MAJORITY_RULE_TEXT: Final = (
    "A majority or quorum rule in words, English or Vietnamese. Read after Unicode NFC, case "
    "folding and collapsing whitespace; a trailing '.' or ';' is ignored.\n"
    "  rule     := STRICT FRACTION [OF] BASE | ATLEAST FRACTION [OF] BASE\n"
    "            | 'từ' FRACTION [OF] BASE 'trở lên'\n"
    "  STRICT   := " + " | ".join(repr(w) for w in STRICT_WORDS) + "\n"
    "  ATLEAST  := " + " | ".join(repr(w) for w in AT_LEAST_WORDS) + "\n"
    "  FRACTION := N/M | N% | N.N% | 'half' | 'one half' | 'nửa' | 'một nửa'"
    "   (0 < fraction <= 1; 'more than 1/1' is refused)\n"
    "  OF       := 'of' | 'của' | 'so với'\n"
    "  BASE     := valid: '[the] valid ballots|votes', '[tổng] [số] phiếu hợp lệ'\n"
    "            | cast: '[the] ballots|votes cast', 'cast ballots|votes', "
    "'[tổng] [số] phiếu thu vào|thu về|đã bỏ|biểu quyết'\n"
    "            | present: '[the] delegates|deputies|members|voters present', "
    "'those present', '[tổng] [số] đại biểu|thành viên|ủy viên có mặt|dự họp'\n"
    "            | entitled: '[all|the] delegates|deputies|members|voters [entitled [to vote]]',"
    " 'tổng số|số|toàn thể đại biểu|thành viên|ủy viên [được triệu tập]'\n"
    "Bases: valid = accepted ballots, abstentions and blank included; cast = every ballot "
    "cast, valid or not; present = delegates present when the poll opened; entitled = all "
    "delegates entitled to vote. A quorum rule takes present or entitled only. A rule that "
    "does not read is refused with the rejection `invalid`, whose message quotes it. Examples: "
    + "; ".join(f"'{text}' = {frac}, strict={str(strict).lower()}, base={base}"
                for text, frac, strict, base in EXAMPLES)
    + ". Events carry a rule in its JSON form, RuleMap."
)
