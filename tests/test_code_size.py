"""Small modules, short functions: no module over 500 lines and no function over 60, unless a
comment says why.

The allow-comment is ``# size: <reason>`` (Python) or ``// size: <reason>`` (JavaScript), on a
function's first line or the line just above it, or for a whole module in its first 5 lines.

JavaScript (``clients/web/js`` and the client library ``clients/js``, vendored code aside)
is held to the rule outright. Python (``protocol/``, ``rooms/``, ``server/``) had older
oversize code: ``KNOWN_PY_OVERSIZE`` lists what is left of it, so a new violation fails, and
so does a listed one that was fixed but not taken off the list (the list only shrinks).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
PY_PACKAGES = ("protocol", "rooms", "server")
JS_ROOTS = (ROOT / "clients" / "web" / "js", ROOT / "clients" / "js")

# Python oversize without a `# size:` reason, as "path" (module) or "path:Qualified.name"
# (function): none is left. The test fails on a new one, and on a listed one that was fixed.
KNOWN_PY_OVERSIZE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Oversize:
    key: str  # "path" for a module, "path:name" for a function
    lines: int
    limit: int

    def __str__(self) -> str:
        return f"{self.key} ({self.lines} lines, limit {self.limit})"


def _allowed(lines: list[str], first: int, marker: str) -> bool:
    """Whether line ``first`` (1-based) or the line just above it carries the allow-comment."""
    candidates = [lines[first - 1]]
    if first >= 2:
        candidates.append(lines[first - 2])
    return any(marker in line for line in candidates)


def _module_allowed(lines: list[str], marker: str) -> bool:
    return any(marker in line for line in lines[:5])


# ---- Python ----------------------------------------------------------------------------------

PY_MARKER = "# size:"


def _py_functions(
    tree: ast.AST, prefix: str = ""
) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + node.name
            found.append((name, node))
            found.extend(_py_functions(node, name + "."))
        elif isinstance(node, ast.ClassDef):
            found.extend(_py_functions(node, prefix + node.name + "."))
        else:
            found.extend(_py_functions(node, prefix))
    return found


def python_oversize(path: Path, rel: str) -> list[Oversize]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out: list[Oversize] = []
    if len(lines) > MAX_MODULE_LINES and not _module_allowed(lines, PY_MARKER):
        out.append(Oversize(rel, len(lines), MAX_MODULE_LINES))
    for name, node in _py_functions(ast.parse(text, filename=rel)):
        assert node.end_lineno is not None
        length = node.end_lineno - node.lineno + 1
        top = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        if length > MAX_FUNCTION_LINES and not (
            PY_MARKER in lines[node.lineno - 1] or _allowed(lines, top, PY_MARKER)
        ):
            out.append(Oversize(f"{rel}:{name}", length, MAX_FUNCTION_LINES))
    return out


def all_python_oversize() -> list[Oversize]:
    out: list[Oversize] = []
    for package in PY_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out.extend(python_oversize(path, path.relative_to(ROOT).as_posix()))
    return out


# ---- JavaScript ------------------------------------------------------------------------------

JS_MARKER = "// size:"

# A `/` starts a regular expression literal (not a division) after one of these, or at the start.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = ("return", "typeof", "case", "in", "of", "delete", "void", "throw")


class _Masker:
    """Blanks the insides of strings, template text, comments and regex literals of a JS text,
    keeping newlines, so brackets can be matched on what is left. ``${…}`` stays code."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out = list(text)
        self.depth = 0  # brace depth of the code
        self.templates: list[int] = []  # the depth at which each open template's `${` started

    def blank(self, start: int, end: int) -> None:
        for j in range(start, min(end, len(self.text))):
            if self.out[j] != "\n":
                self.out[j] = " "

    def regex_may_start(self, at: int) -> bool:
        """Whether the code before ``at`` (comments already blanked) ends where a value starts."""
        out, j = self.out, at - 1
        while j >= 0 and out[j] in " \t\r\n":
            j -= 1
        if j < 0:
            return True
        if not (out[j].isalnum() or out[j] in "_$"):
            return out[j] in _REGEX_AFTER
        k = j
        while k >= 0 and (out[k].isalnum() or out[k] in "_$"):
            k -= 1
        return "".join(out[k + 1 : j + 1]) in _REGEX_AFTER_WORDS

    def skip_line_comment(self, i: int) -> int:
        end = self.text.find("\n", i)
        end = len(self.text) if end < 0 else end
        self.blank(i, end)
        return end

    def skip_block_comment(self, i: int) -> int:
        end = self.text.find("*/", i + 2)
        end = len(self.text) if end < 0 else end + 2
        self.blank(i, end)
        return end

    def skip_string(self, i: int) -> int:
        text, quote, j = self.text, self.text[i], i + 1
        while j < len(text) and text[j] != quote and text[j] != "\n":
            j += 2 if text[j] == "\\" else 1
        self.blank(i + 1, j)
        return j + 1

    def skip_template(self, start: int) -> int:
        """From just after a backtick (or the `}` closing a `${`): to the code that follows."""
        text, j = self.text, start
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == "`":
                self.blank(start, j)
                return j + 1
            if text.startswith("${", j):
                self.blank(start, j)
                self.templates.append(self.depth)
                return j + 2
            j += 1
        self.blank(start, len(text))
        return len(text)

    def skip_regex(self, i: int) -> int:
        text, j, in_class = self.text, i + 1, False
        while j < len(text) and text[j] != "\n":
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == "/" and not in_class:
                break
            in_class = (in_class or text[j] == "[") and text[j] != "]"
            j += 1
        self.blank(i + 1, j)
        return j + 1

    def step(self, i: int) -> int:
        text, c = self.text, self.text[i]
        if text.startswith("//", i):
            return self.skip_line_comment(i)
        if text.startswith("/*", i):
            return self.skip_block_comment(i)
        if c in "'\"":
            return self.skip_string(i)
        if c == "`":
            return self.skip_template(i + 1)
        if c == "/" and self.regex_may_start(i):
            return self.skip_regex(i)
        if c == "}" and self.templates and self.templates[-1] == self.depth:
            self.templates.pop()
            return self.skip_template(i + 1)
        self.depth += {"{": 1, "}": -1}.get(c, 0)
        return i + 1

    def mask(self) -> str:
        i = 0
        while i < len(self.text):
            i = self.step(i)
        return "".join(self.out)


def js_code_mask(text: str) -> str:
    return _Masker(text).mask()


_JS_KEYWORDS = {"if", "for", "while", "switch", "catch", "function", "return", "with", "do"}
_JS_FUNCTION = re.compile(
    r"^[ \t]*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(?P<name>[\w$]+)\s*\(",
    re.M,
)
_JS_ARROW_OR_EXPR = re.compile(
    r"^[ \t]*(?:export\s+)?(?:const|let|var)\s+(?P<name>[\w$]+)\s*=\s*(?:async\s+)?"
    r"(?:(?P<fn>function\b)|(?:\([^()]*(?:\([^()]*\)[^()]*)*\)|[\w$]+)\s*=>)",
    re.M,
)
_JS_METHOD = re.compile(
    r"^[ \t]*(?:static\s+)?(?:async\s+)?(?:get\s+|set\s+)?\*?"
    r"(?P<name>#?[\w$]+)\s*\([^;\n]*\)\s*\{[ \t]*$",
    re.M,
)
_CLOSE = {"(": ")", "[": "]", "{": "}"}


def _match(mask: str, at: int) -> int:
    """Index just past the bracket that closes the one at ``at``."""
    depth = 0
    for j in range(at, len(mask)):
        if mask[j] in "([{":
            depth += 1
        elif mask[j] in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(mask)


def _expression_end(mask: str, at: int) -> int:
    """End of an arrow function's expression body: a `;` or an unmatched closer at depth 0."""
    depth = 0
    for j in range(at, len(mask)):
        if mask[j] in "([{":
            depth += 1
        elif mask[j] in ")]}":
            depth -= 1
            if depth < 0:
                return j
        elif mask[j] in ";," and depth == 0:
            return j
    return len(mask)


def _body_end_after_params(mask: str, open_paren: int) -> int:
    close = _match(mask, open_paren)
    brace = mask.find("{", close)
    return len(mask) if brace < 0 else _match(mask, brace)


def js_functions(text: str) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of each named function: declarations, functions and arrow
    functions assigned to a const/let/var, and methods (class or object literal)."""
    mask = js_code_mask(text)
    found: dict[int, tuple[str, int]] = {}  # start offset -> (name, end offset)
    for m in _JS_FUNCTION.finditer(mask):
        found[m.start("name")] = (m["name"], _body_end_after_params(mask, m.end() - 1))
    for m in _JS_ARROW_OR_EXPR.finditer(mask):
        if m["fn"]:
            end = _body_end_after_params(mask, mask.find("(", m.end()))
        else:
            body = m.end()
            while body < len(mask) and mask[body] in " \t\r\n":
                body += 1
            end = (
                _match(mask, body) if mask[body : body + 1] == "{" else _expression_end(mask, body)
            )
        found[m.start("name")] = (m["name"], end)
    for m in _JS_METHOD.finditer(mask):
        if m["name"] in _JS_KEYWORDS or m.start("name") in found:
            continue
        brace = m.start() + len(m[0].rstrip()) - 1
        found[m.start("name")] = (m["name"], _match(mask, brace))
    return [
        (name, mask.count("\n", 0, start) + 1, mask.count("\n", 0, max(start, end - 1)) + 1)
        for start, (name, end) in sorted(found.items())
    ]


def js_oversize(text: str, rel: str) -> list[Oversize]:
    lines = text.splitlines()
    out: list[Oversize] = []
    if len(lines) > MAX_MODULE_LINES and not _module_allowed(lines, JS_MARKER):
        out.append(Oversize(rel, len(lines), MAX_MODULE_LINES))
    for name, first, last in js_functions(text):
        length = last - first + 1
        if length > MAX_FUNCTION_LINES and not _allowed(lines, first, JS_MARKER):
            out.append(Oversize(f"{rel}:{name}@{first}", length, MAX_FUNCTION_LINES))
    return out


def js_files() -> list[Path]:
    return sorted(p for root in JS_ROOTS for p in root.rglob("*.js")
                  if "vendor" not in p.relative_to(root).parts)


# ---- the tests -------------------------------------------------------------------------------


def test_javascript_modules_and_functions_are_small() -> None:
    files = js_files()
    assert len(files) > 10, "the web client's modules were not found"
    found = [
        o
        for p in files
        for o in js_oversize(p.read_text(encoding="utf-8"), p.relative_to(ROOT).as_posix())
    ]
    assert not found, "over the size limit without a `// size: <reason>` comment:\n" + "\n".join(
        map(str, found)
    )


def test_python_oversize_is_only_the_known_list() -> None:
    found = all_python_oversize()
    keys = {o.key for o in found}
    new = sorted(str(o) for o in found if o.key not in KNOWN_PY_OVERSIZE)
    fixed = sorted(KNOWN_PY_OVERSIZE - keys)
    assert not new, (
        "new Python code over the size limit: split it, or say why with `# size: <reason>`:\n"
        + "\n".join(new)
    )
    assert not fixed, "fixed, so take these off KNOWN_PY_OVERSIZE:\n" + "\n".join(fixed)


# ---- the scanners themselves -----------------------------------------------------------------


def _js_body(n: int) -> str:
    return "".join(f"  x{i} += 1;\n" for i in range(n))


def test_js_scanner_finds_each_kind_of_function_and_its_end() -> None:
    text = (
        "// a } in a comment, and a /* block { */\n"
        "export async function loaded(a, { big = false } = {}) {\n"
        + _js_body(3)
        + '  const s = "}" + `${a ? `{${"}"}` : ""}}` + /[}{]\\//.source;\n'
        "}\n"
        "const arrow = async (a) => {\n" + _js_body(2) + "};\n"
        'const short = (x) => h("div", {},\n  x);\n'
        "class Thing {\n  method(a) {\n" + _js_body(1) + "  }\n}\n"
    )
    assert js_functions(text) == [
        ("loaded", 2, 7),
        ("arrow", 8, 11),
        ("short", 12, 13),
        ("method", 15, 17),
    ]


def test_js_scanner_reports_a_long_function_unless_a_comment_says_why() -> None:
    long = "function big() {\n" + _js_body(MAX_FUNCTION_LINES - 1) + "}\n"
    assert [o.key for o in js_oversize(long, "x.js")] == ["x.js:big@1"]
    assert js_oversize("// size: one table, read top to bottom\n" + long, "x.js") == []
    fits = "function ok() {\n" + _js_body(MAX_FUNCTION_LINES - 2) + "}\n"
    assert js_oversize(fits, "x.js") == []
    module = "function f() {}\n" * (MAX_MODULE_LINES + 1)
    assert [o.key for o in js_oversize(module, "m.js")] == ["m.js"]
    assert js_oversize("// size: generated\n" + module[:-16], "m.js") == []


def test_python_scanner_counts_functions_and_honours_the_comment(tmp_path: Path) -> None:
    body = "".join(f"    x = {i}\n" for i in range(MAX_FUNCTION_LINES))
    source = "class A:\n    @staticmethod\n    def big() -> None:\n" + body.replace(
        "    ", "        "
    )
    source += "\n\n# size: one long match over every command kind\ndef allowed() -> None:\n" + body
    path = tmp_path / "mod.py"
    path.write_text(source)
    found = python_oversize(path, "mod.py")
    assert [(o.key, o.lines) for o in found] == [("mod.py:A.big", MAX_FUNCTION_LINES + 1)]
