"""The engine behind the display filter's `matches`: regular expressions in linear time.

Wireshark's `matches` is PCRE2, a backtracking engine, as is Python's `re`: there
`(a+)+$` against forty a's and a "!" takes about 2**40 steps, and a C regex call cannot be
interrupted (nor, holding the GIL, let any other thread run). Here a pattern runs on RE2
(the google-re2 binding): its automata take time linear in the text, and the binding
releases the GIL while it matches, so a filter worker never freezes the terminal UI.
Where that wheel is missing, a small lazy DFA over Python's own regex parser takes its
place: slower, but as bounded (each text costs at most its length times the program's
size, transitions are cached, the cache is capped).

Both engines reject, with a reason and the offset in the pattern, what no linear-time
engine can do (backreferences, lookahead and lookbehind, atomic groups, possessive
quantifiers, conditionals, recursion) and counted repetition above 1000 (RE2's limit) or
groups nested more than 100 deep. Other syntax is RE2's (Perl-like: `(?i)`, `\\d`, `\\b`,
`[[:alpha:]]`, `\\pL`, `\\z`) or, without RE2, Python's.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from re import _constants as sre  # Python's own regex parser: the fallback reads its tree
from re import _parser as sre_parse
from typing import Any

try:
    import re2
except ImportError:  # no wheel for this platform: the bounded fallback below
    re2 = None

__all__ = ["ENGINE", "MAX_NESTING", "MAX_REPEAT", "RegexError", "compile_search"]

ENGINE = "re2" if re2 is not None else "bounded"  # the engine compile_search uses
MAX_REPEAT = 1000  # largest count in {n,m}: RE2's own limit
MAX_NESTING = 100  # groups inside groups
MAX_PROGRAM = 5000  # fallback instructions (RE2 bounds its programs by memory, 8 MiB)
MAX_CACHED = 20_000  # fallback DFA transitions kept per pattern before the cache restarts

Search = Callable[[str], bool]


class RegexError(ValueError):
    """A pattern that is rejected: the reason and its offset in the pattern."""

    def __init__(self, message: str, pos: int, length: int = 1) -> None:
        super().__init__(message)
        self.message, self.pos, self.length = message, pos, max(1, length)


def compile_search(pattern: str, engine: str | None = None) -> Search:
    """A predicate: whether the pattern occurs anywhere in a text. RegexError otherwise."""
    _check_supported(pattern)
    if (engine or ENGINE) == "re2":
        return _re2_search(pattern)
    return _Automaton(pattern).search


# -- what neither engine does ---------------------------------------------------------------
# After "(?": constructs that need backtracking (checked before "(?<name>", a plain group).
_GROUPS = (("<=", "lookbehind"), ("<!", "lookbehind"), ("=", "lookahead"), ("!", "lookahead"),
           (">", "an atomic group"), ("P=", "a backreference"), ("P>", "recursion"),
           ("(", "a conditional"), ("R", "recursion"), ("&", "recursion"), ("C", "a callout"),
           ("|", "a branch reset group"))  # fmt: skip
_CALL = re.compile(r"[+-]?\d")  # (?1), (?+1), (?-1): a group called as a subroutine
_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def _check_supported(pattern: str) -> None:
    """Reject, at their offset, the PCRE constructs a linear-time engine cannot run."""
    i, n = 0, len(pattern)
    groups: list[int] = []  # where the groups open around i
    while i < n:
        c = pattern[i]
        if c == "\\":
            _check_escape(pattern, i)
            i += 2
        elif c == "[":
            i = _class_end(pattern, i)
        elif c == "(":
            groups.append(i)
            if len(groups) > MAX_NESTING:
                raise RegexError(f"groups nest more than {MAX_NESTING} deep", i)
            i = _check_group(pattern, i)
        elif c == ")":
            if not groups:
                raise RegexError('unexpected ")"', i)
            groups.pop()
            i += 1
        elif c in "*+?":
            _check_possessive(pattern, i, 1)
            i += 1
        elif c == "{" and (m := _COUNT.match(pattern, i)) and any(m.groups()):
            for number in m.groups():
                if number and (len(number) > 4 or int(number) > MAX_REPEAT):
                    raise RegexError(
                        f"repetition count {number} is above {MAX_REPEAT}", i, m.end() - i
                    )
            _check_possessive(pattern, i, m.end() - i)
            i = m.end()
        else:
            i += 1
    if groups:
        raise RegexError('missing ")"', groups[-1])


def _check_escape(pattern: str, i: int) -> None:
    nxt = pattern[i + 1 : i + 2]
    if nxt in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "k", "g"):
        raise RegexError(f"a backreference (\\{nxt}) is not supported", i, 2)


def _check_group(pattern: str, i: int) -> int:
    if not pattern.startswith("(?", i):
        return i + 1
    if _CALL.match(pattern, i + 2):
        raise RegexError("recursion is not supported", i, 3)
    for prefix, what in _GROUPS:
        if pattern.startswith(prefix, i + 2):
            raise RegexError(f"{what} is not supported", i, 2 + len(prefix))
    return i + 2  # past "(?": its "?" is no quantifier


def _check_possessive(pattern: str, i: int, width: int) -> None:
    if pattern.startswith("+", i + width):
        raise RegexError("a possessive quantifier is not supported", i, width + 1)


def _class_end(pattern: str, i: int) -> int:
    """The offset just past a character class opening at i (or the end of the pattern)."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):  # a "]" first is a member
        j += 1
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
        elif pattern[j] == "]":
            return j + 1
        else:
            j += 1
    return len(pattern)


# -- RE2 -------------------------------------------------------------------------------------
def _re2_search(pattern: str) -> Search:
    options = re2.Options()
    options.log_errors = False  # RE2 would write to stderr: under the TUI, onto the screen
    # Only whether it matches: without groups to report, RE2 answers from its DFA, where
    # submatches need the NFA (12 s instead of 0.3 ms for `(.*){1000}` on 100 kB).
    options.never_capture = True
    encoded = _utf8(pattern)
    try:
        rx = re2.compile(encoded, options)
    except re2.error as exc:  # only a message, such as "missing ): (("
        raise _re2_error(pattern, exc) from None
    except Exception as exc:  # noqa: BLE001  third-party C++: any failure rejects the pattern
        raise RegexError(f"cannot compile: {exc}", 0, len(pattern)) from None

    def search(text: str) -> bool:
        return rx.search(text.encode("utf-8", "surrogatepass")) is not None

    return search


def _utf8(pattern: str) -> bytes:
    try:
        return pattern.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RegexError("the pattern is not valid Unicode", exc.start) from None


def _re2_error(pattern: str, exc: Exception) -> RegexError:
    """RE2 says what and quotes the fragment ("invalid escape sequence: \\c"): find it."""
    raw = exc.args[0] if exc.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    what, _, fragment = text.partition(": ")
    pos = _unescaped_find(pattern, fragment) if fragment else -1
    if pos < 0:
        return RegexError(text or "invalid regular expression", 0, len(pattern))
    return RegexError(what, pos, len(fragment))


def _unescaped_find(pattern: str, fragment: str) -> int:
    """The first offset of fragment that no backslash escapes."""
    pos = pattern.find(fragment)
    while pos > 0:
        slashes = len(pattern[:pos]) - len(pattern[:pos].rstrip("\\"))
        if slashes % 2 == 0:
            return pos
        pos = pattern.find(fragment, pos + 1)
    return pos


# -- the fallback: a lazy DFA over Python's parse tree ----------------------------------------
CHAR, SPLIT, JMP, ASSERT, MATCH = range(5)
EDGE, NEWLINE, WORD, OTHER = range(4)  # what is on either side of a position
Instruction = tuple[int, Any]


def _kind(c: str) -> int:
    return NEWLINE if c == "\n" else WORD if c.isalnum() or c == "_" else OTHER


class _Automaton:
    """Thompson's construction, run as sets of states (never backtracking), with the
    transitions between state sets cached as they are met."""

    def __init__(self, pattern: str) -> None:
        try:
            with warnings.catch_warnings():  # "possible nested set" would go to stderr
                warnings.simplefilter("ignore")
                tree = sre_parse.parse(pattern, 0)
        except re.error as exc:
            pos = exc.pos if exc.pos is not None else 0
            raise RegexError(exc.msg, min(pos, len(pattern)), 1) from None
        except Exception as exc:  # noqa: BLE001  any failure of the parser rejects the pattern
            raise RegexError(f"cannot compile: {exc}", 0, len(pattern)) from None
        self.prog: list[Instruction] = []
        _emit(self.prog, tree, tree.state.flags)
        self.prog.append((MATCH, None))
        self.final = len(self.prog) - 1
        self.cache: dict[tuple[frozenset[int], str, int, int], frozenset[int]] = {}

    def search(self, text: str) -> bool:
        state = self.closure((0,), EDGE, self._after(text, 0))
        for i, c in enumerate(text):
            if self.final in state:
                return True
            before, after = _kind(c), self._after(text, i + 1)
            key = (state, c, before, after)
            nxt = self.cache.get(key)
            if nxt is None:
                if len(self.cache) >= MAX_CACHED:
                    self.cache.clear()
                nxt = self.cache[key] = self.step(state, c, before, after)
            state = nxt
        return self.final in state

    @staticmethod
    def _after(text: str, i: int) -> int:
        return _kind(text[i]) if i < len(text) else EDGE

    def step(self, state: frozenset[int], c: str, before: int, after: int) -> frozenset[int]:
        prog = self.prog
        moved = [pc + 1 for pc in state if prog[pc][0] == CHAR and prog[pc][1](c)]
        moved.append(0)  # unanchored: a match may start at every position
        return self.closure(moved, before, after)

    def closure(self, pcs: Any, before: int, after: int) -> frozenset[int]:
        """The instructions reachable without reading a character, kept where one is read."""
        prog, stack, seen = self.prog, list(pcs), set()
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            kind, arg = prog[pc]
            if kind == JMP:
                stack.append(arg)
            elif kind == SPLIT:
                stack.extend(arg)
            elif kind == ASSERT and _holds(arg, before, after):
                stack.append(pc + 1)
        return frozenset(pc for pc in seen if prog[pc][0] in (CHAR, MATCH))


def _holds(arg: tuple[Any, bool], before: int, after: int) -> bool:
    """Whether an anchor holds between characters of these kinds. `$` is the end of the
    text only, as in RE2 (Perl and Python also take it before a final newline)."""
    code, multiline = arg
    if code is sre.AT_BEGINNING:
        return before == EDGE or (multiline and before == NEWLINE)
    if code is sre.AT_BEGINNING_STRING:
        return before == EDGE
    if code is sre.AT_END:
        return after == EDGE or (multiline and after == NEWLINE)
    if code is sre.AT_END_STRING:
        return after == EDGE
    if code is sre.AT_BOUNDARY:
        return (before == WORD) != (after == WORD)
    return (before == WORD) == (after == WORD)  # AT_NON_BOUNDARY


def _emit(prog: list[Any], items: Any, flags: int) -> None:
    """Append the instructions of a parsed (sub)pattern."""
    for op, av in items:
        if len(prog) > MAX_PROGRAM:
            raise RegexError("the regular expression is too big", 0)
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            prog.append((CHAR, _char_test(op, av, flags)))
        elif op is sre.SUBPATTERN:
            _, add, remove, sub = av
            _emit(prog, sub, (flags | add) & ~remove)
        elif op is sre.BRANCH:
            _branch(prog, av[1], flags)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):  # lazy or greedy: the same yes or no
            _repeat(prog, av, flags)
        elif op is sre.AT:
            prog.append((ASSERT, (av, bool(flags & sre.SRE_FLAG_MULTILINE))))
        else:
            raise RegexError(f"{str(op).lower()} is not supported", 0)


def _branch(prog: list[Any], alternatives: list[Any], flags: int) -> None:
    ends = []
    for alt in alternatives[:-1]:
        split = len(prog)
        prog.append(None)
        _emit(prog, alt, flags)
        ends.append(len(prog))
        prog.append(None)
        prog[split] = (SPLIT, (split + 1, len(prog)))
    _emit(prog, alternatives[-1], flags)
    for end in ends:
        prog[end] = (JMP, len(prog))


def _repeat(prog: list[Any], av: Any, flags: int) -> None:
    low, high, sub = av
    for _ in range(low):
        _emit(prog, sub, flags)
    if high is sre.MAXREPEAT:
        loop = len(prog)
        prog.append(None)
        _emit(prog, sub, flags)
        prog.append((JMP, loop))
        prog[loop] = (SPLIT, (loop + 1, len(prog)))
        return
    holes = []
    for _ in range(high - low):
        holes.append(len(prog))
        prog.append(None)
        _emit(prog, sub, flags)
    for hole in holes:
        prog[hole] = (SPLIT, (hole + 1, len(prog)))


CATEGORIES: dict[Any, tuple[Callable[[str], bool], bool]] = {  # test, and whether negated
    sre.CATEGORY_DIGIT: (str.isdecimal, False),
    sre.CATEGORY_NOT_DIGIT: (str.isdecimal, True),
    sre.CATEGORY_SPACE: (str.isspace, False),
    sre.CATEGORY_NOT_SPACE: (str.isspace, True),
    sre.CATEGORY_WORD: (lambda c: c.isalnum() or c == "_", False),
    sre.CATEGORY_NOT_WORD: (lambda c: c.isalnum() or c == "_", True),
}


def _char_test(op: Any, av: Any, flags: int) -> Callable[[str], bool]:
    """One character's test, case-folded under (?i), ASCII-only classes under (?a)."""
    if op is sre.ANY:
        return (lambda c: True) if flags & sre.SRE_FLAG_DOTALL else (lambda c: c != "\n")
    negate = op is sre.NOT_LITERAL or (op is sre.IN and bool(av) and av[0][0] is sre.NEGATE)
    members = [(sre.LITERAL, av)] if op in (sre.LITERAL, sre.NOT_LITERAL) else av
    tests = [_member_test(kind, arg, flags) for kind, arg in members if kind is not sre.NEGATE]

    def member(c: str) -> bool:
        return any(test(c) for test in tests)

    if flags & sre.SRE_FLAG_IGNORECASE:
        return lambda c: any(member(x) for x in _cases(c)) != negate
    return lambda c: member(c) != negate


def _member_test(kind: Any, arg: Any, flags: int) -> Callable[[str], bool]:
    if kind is sre.LITERAL:
        return lambda c: ord(c) == arg
    if kind is sre.RANGE:
        return lambda c: arg[0] <= ord(c) <= arg[1]
    if kind is sre.CATEGORY and arg in CATEGORIES:
        test, negated = CATEGORIES[arg]
        if flags & sre.SRE_FLAG_ASCII:  # (?a): only ASCII is a digit, space or word character
            return lambda c: (c.isascii() and test(c)) != negated
        return lambda c: test(c) != negated
    raise RegexError(f"{str(kind).lower()} is not supported in a character class", 0)


def _cases(c: str) -> tuple[str, ...]:
    """c and its other cases that are one character (some lower or upper to two)."""
    return (c, *(x for x in (c.lower(), c.upper()) if len(x) == 1 and x != c))
