"""Claims in the narrative: what the 正文 says in numbers, each with its sentence and position.

The vocabulary (the words that introduce a claim, the units, the context words) and the table cells
a claim may mean are data: ``rules/narrative/claims.yaml``. This module only reads text:

1. **paragraphs** — the Document's rows of kind ``line`` outside the table regions; lines a PDF or
   Markdown conversion wrapped are joined (consecutive source lines, no sentence end between);
2. **sentences** — split after 。！？; each is *folded* for matching (traditional → simplified,
   full-width → ASCII, spaces next to Chinese characters removed), the printed sentence is kept;
3. **context** — a sentence speaks of disclosure requests when it names one (政府信息公开申请,
   依申请公开…); the next sentences of the paragraph inherit that until one names another population
   (留言, 热线, 咨询…), so "受理留言6625条，答复6625件" is no claim about table 3;
4. **claims** — a count ("予以公开及部分公开258件"), a percentage of a count ("占33.9%"), a change on
   last year ("较去年回落12.3%") and a "共N…，其中a…、b…" list (anywhere in the text, any subject).

Checking the claims against the tables is ``check.py``'s business.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Optional

from ...model.report import Document, Report, Source
from ...model.text import to_simplified
from ...resources import read_yaml_resource
from ...ruleset import compile_expression

VOCABULARY_FILE = "narrative/claims.yaml"

# ------------------------------------------------------------------ vocabulary


@dataclass(frozen=True)
class Candidate:
    """One reading of a claim: a linear expression over named cells (rule-language syntax)."""

    expr: str
    zh: str = ""
    en: str = ""
    bindings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ClaimSpec:
    id: str
    code: str
    zh: str
    en: str
    priority: int
    context: str
    candidates: tuple[Candidate, ...]
    group: Optional[str] = None  # a leaf's outcome group (denied, unable, not_processed)


@dataclass(frozen=True)
class TermSpec:
    text: str
    claim: str  # the ClaimSpec id
    sentence_has: tuple[str, ...] = ()
    column: Optional[str] = None  # applicant claims: the table-3 column (or column group)


@dataclass(frozen=True)
class Denominator:
    hint: tuple[str, ...]
    claim: Optional[str]
    expr: str


@dataclass
class Vocabulary:
    count_units: tuple[str, ...]
    money_units: tuple[str, ...]
    request_units: tuple[str, ...]
    over_after: tuple[str, ...]
    over_before: tuple[str, ...]
    over_suffix: tuple[str, ...]
    under_before: tuple[str, ...]
    about_before: tuple[str, ...]
    application: tuple[str, ...]
    disclosure: tuple[str, ...]
    blockers: tuple[str, ...]
    claims: dict[str, ClaimSpec]
    terms: tuple[TermSpec, ...]
    percent_code: str
    percent_markers: tuple[str, ...]
    denominators: tuple[Denominator, ...]
    yoy_code: str
    yoy_markers: tuple[str, ...]
    yoy_up: tuple[str, ...]
    yoy_down: tuple[str, ...]
    list_code: str
    list_code_pre2019: str
    list_markers: tuple[str, ...]
    whole_markers: tuple[str, ...]
    list_stop: tuple[str, ...]
    list_skip: tuple[str, ...]
    list_closed: tuple[str, ...]
    not_checked_code: str
    term_regex: re.Pattern = field(init=False)
    number_regex: re.Pattern = field(init=False)
    term_by_text: dict[str, TermSpec] = field(init=False)
    application_regex: re.Pattern = field(init=False)
    disclosure_regex: re.Pattern = field(init=False)
    blocker_regex: re.Pattern = field(init=False)
    list_regex: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        self.list_regex = _alternation(self.list_markers)
        self.application_regex = _alternation(self.application)
        self.disclosure_regex = _alternation(self.disclosure)
        self.blocker_regex = _alternation(self.blockers)
        self.term_by_text = {}
        for term in self.terms:
            self.term_by_text.setdefault(term.text, term)
        ordered = sorted(self.term_by_text, key=len, reverse=True)
        self.term_regex = re.compile("|".join(re.escape(t) for t in ordered))
        units = sorted(set(self.count_units + self.money_units + self.request_units), key=len, reverse=True)
        over = "|".join(re.escape(w) for w in self.over_after)
        self.number_regex = re.compile(
            r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"  # 1,234 or 1234, optional decimals
            rf"(?:({over}))?"  # 27180余条
            rf"(%|{'|'.join(re.escape(u) for u in units)})"
        )


def _alternation(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or r"(?!)")


def _fold_list(values) -> tuple[str, ...]:
    return tuple(fold(str(v)) for v in (values or ()))


def _candidates(items, bindings: tuple[tuple[str, str], ...] = ()) -> tuple[Candidate, ...]:
    found = []
    for item in items or ():
        if isinstance(item, str):
            item = {"expr": item}
        expr = str(item["expr"])
        compile_expression(f"{expr} == 0", {name for name, _ in bindings} or None)  # fails loudly on bad data
        found.append(Candidate(expr, str(item.get("zh", "")), str(item.get("en", "")), bindings))
    return tuple(found)


@lru_cache(maxsize=4)
def load_vocabulary(relative: str = VOCABULARY_FILE) -> Vocabulary:
    """Read and check the vocabulary file once (its expressions are compiled here)."""
    data = read_yaml_resource(relative)
    claims: dict[str, ClaimSpec] = {}
    terms: list[TermSpec] = []
    for entry in data["claims"]:
        claim_id = str(entry["id"])
        common = dict(code=str(entry["code"]), zh=str(entry.get("zh", claim_id)), en=str(entry.get("en", claim_id)),
                      priority=int(entry.get("priority", 1)), context=str(entry.get("context", "application")))
        if "columns" in entry:  # applicant claims: one spec per column, candidates bound to it
            groups = {"legal_person"}
            for column, words in entry["columns"].items():
                spec_id = f"{claim_id}:{column}"
                items = entry["group_candidates"] if column in groups else entry["candidates"]
                claims[spec_id] = ClaimSpec(spec_id, candidates=_candidates(items, (("column", column),)),
                                            **common)
                terms += [TermSpec(fold(w), spec_id, column=column) for w in words]
            continue
        claims[claim_id] = ClaimSpec(claim_id, candidates=_candidates(entry.get("candidates")),
                                     group=entry.get("group"), **common)
        for term in entry.get("terms", ()):
            if isinstance(term, dict):
                terms.append(TermSpec(fold(term["term"]), claim_id, _fold_list(term.get("sentence_has"))))
            else:
                terms.append(TermSpec(fold(term), claim_id))
    units, approx, context = data["units"], data["approximate"], data["context"]
    percent, yoy, lists = data["percent"], data["year_on_year"], data["lists"]
    denominators = tuple(Denominator(_fold_list(d.get("hint")), d.get("claim"), str(d["expr"]))
                         for d in percent["denominators"])
    for d in denominators:
        compile_expression(f"{d.expr} == 0")
    return Vocabulary(
        count_units=_fold_list(units["count"]), money_units=_fold_list(units["money"]),
        request_units=_fold_list(units["requests"]),
        over_after=_fold_list(approx["over_after"]), over_before=_fold_list(approx["over_before"]),
        over_suffix=_fold_list(approx["over_suffix"]), under_before=_fold_list(approx["under_before"]),
        about_before=_fold_list(approx["about_before"]),
        application=_fold_list(context["application"]), disclosure=_fold_list(context["disclosure"]),
        blockers=_fold_list(context["blockers"]),
        claims=claims, terms=tuple(terms),
        percent_code=str(percent["code"]), percent_markers=_fold_list(percent["markers"]),
        denominators=denominators,
        yoy_code=str(yoy["code"]), yoy_markers=_fold_list(yoy["markers"]), yoy_up=_fold_list(yoy["up"]),
        yoy_down=_fold_list(yoy["down"]),
        list_code=str(lists["code"]), list_code_pre2019=str(lists["code_pre2019"]),
        list_markers=_fold_list(lists["markers"]), whole_markers=_fold_list(lists["whole_markers"]),
        list_stop=_fold_list(lists["stop"]), list_skip=_fold_list(lists["skip"]),
        list_closed=_fold_list(lists["closed"]),
        not_checked_code=str(data["not_checked"]["code"]),
    )


# ------------------------------------------------------------------ folding

_SPACE_NEAR_WIDE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")


class _CharFolds(dict):
    """code point -> the character's NFKC form when that is one character, else the character itself;
    filled as characters are met (``str.translate`` asks it: one C loop instead of a call per character)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        value = self[code] = folded if len(folded) == 1 else char
        return value


_CHAR_FOLDS = _CharFolds()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The form claims are matched in: simplified, full-width folded (character by character, so
    "（" becomes "(" and "％" "%"), no spaces next to Chinese characters, runs of spaces as one."""
    text = to_simplified(text).translate(_CHAR_FOLDS)
    text = text.replace("\xa0", " ").replace("\u3000", " ")
    text = _SPACE_NEAR_WIDE.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


# ------------------------------------------------------------------ results


@dataclass
class Number:
    """A number as printed in a sentence: value, precision, unit, and whether it is a bound."""

    value: Decimal
    decimals: int
    unit: str
    bound: str  # exact | over (at least) | under (at most) | about
    text: str
    start: int  # offset in the folded sentence
    end: int

    @property
    def half(self) -> Decimal:
        return Decimal(5) * Decimal(10) ** (-(self.decimals + 1)) if self.decimals else Decimal(0)

    def low(self) -> Optional[Decimal]:
        if self.bound in ("under", "about"):
            return Decimal(0)
        return self.value - self.half

    def high(self) -> Optional[Decimal]:
        if self.bound in ("over", "about"):
            return None
        return self.value + self.half


@dataclass
class Sentence:
    text: str  # as printed
    folded: str
    where: object  # (paragraph, offset): the source is worked out when asked for
    index: int  # in the document's narrative, 0-based
    paragraph: int
    # context by statement (the parts of a sentence between semicolons): (end offset in the folded
    # sentence, speaks of disclosure requests, speaks of information disclosure)
    statements: list[tuple[int, bool, bool]] = field(default_factory=list)

    def context(self, position: int) -> tuple[bool, bool]:
        for end, application, disclosure in self.statements:
            if position < end:
                return application, disclosure
        return (self.statements[-1][1], self.statements[-1][2]) if self.statements else (False, False)

    @property
    def application(self) -> bool:
        return any(s[1] for s in self.statements)

    @property
    def source(self) -> Optional[Source]:
        if isinstance(self.where, tuple):
            self.where = _source_at(*self.where)
        return self.where


@dataclass
class Claim:
    """One claim. ``kind``: count | percent | yoy | list. ``specs`` names the vocabulary entries of a
    count claim (several for a named group such as 予以公开及部分公开)."""

    kind: str
    code: str
    text: str  # the claim as matched in the folded sentence
    sentence: Sentence
    number: Optional[Number] = None
    specs: tuple[str, ...] = ()  # count claims (and yoy subjects): ClaimSpec ids
    candidates: tuple[Candidate, ...] = ()
    # percent / yoy
    numerator: Optional["Claim"] = None
    numerator_number: Optional[Number] = None
    hint: str = ""
    direction: int = 0  # yoy: +1 up, -1 down
    list_whole: Optional[Number] = None  # the whole of the list the numerator belongs to
    # list
    whole: Optional[Number] = None
    whole_sentence: Optional[Sentence] = None
    parts: list[Number] = field(default_factory=list)
    closed: bool = False

    @property
    def source(self) -> Optional[Source]:
        return self.sentence.source

    @property
    def claim_id(self) -> str:
        return "+".join(self.specs) if self.specs else self.kind


# ------------------------------------------------------------------ paragraphs

_SENTENCE_END = re.compile(r"(?<=[。！？!?])")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])")
_ENUMERATED = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十0-9]+[）)]|[0-9]+[.．、])")
_TABLE_START = re.compile(r"(?:指标名称|统计指标|统计项目)\s*[|/]?\s*(?:计量单位|单位)")
_SHORT_ROW = 80
_SEMICOLON = re.compile(";")


def _row_text(row) -> str:
    return " ".join([p.text for p in row.pieces]).strip()


def _table_line_ranges(report: Optional[Report]) -> list[tuple[int, int]]:
    """Source-line ranges of the tables extraction found (only where a table spans several lines)."""
    ranges = []
    if report is None:
        return ranges
    for table in report.tables.values():
        lines = [cell.source.line for row in table.rows.values() for cell in row.values()
                 if cell.source is not None and cell.source.line is not None]
        if table.source is not None and table.source.line is not None:
            lines.append(table.source.line)
        if lines and max(lines) > min(lines):
            ranges.append((min(lines), max(lines)))
    return ranges


_DIGIT = re.compile(r"[0-9０-９]")


def _is_heading(text: str) -> bool:
    return bool(_HEADING.match(text)) and len(text) <= 40 and not text.rstrip().endswith(("。", "；", ";"))


@dataclass
class _Paragraph:
    text: str
    marks: list[tuple[int, Source]]  # (offset in text, source of the piece starting there)
    heading: bool = False


# The last report's paragraphs: the narrative, the document checks and the store each ask for them
# (read only) on the same document and report, one after another. One tuple, read and replaced whole
# (safe with threads); the objects are held, so identity cannot be a recycled id.
_last_paragraphs: Optional[tuple] = None


def paragraphs(document: Document, report: Optional[Report] = None) -> list[_Paragraph]:
    """The narrative's paragraphs: ``line`` rows outside the table regions, wrapped lines joined."""
    global _last_paragraphs
    last = _last_paragraphs
    if last is not None and last[0] is document and last[1] is report and last[2] is document.rows \
            and last[3] == len(document.rows):
        return last[4]
    found = _paragraphs(document, report)
    _last_paragraphs = (document, report, document.rows, len(document.rows), found)
    return found


def _paragraphs(document: Document, report: Optional[Report]) -> list[_Paragraph]:
    ranges = _table_line_ranges(report)
    in_table = {line for a, b in ranges for line in range(a, b + 1)}
    found: list[_Paragraph] = []
    last: Optional[Source] = None  # the previous narrative row's source, None after a table row
    for row in document.rows:
        if row.kind != "line" or not row.pieces:
            last = None
            continue
        text = _row_text(row)
        source = row.pieces[0].source
        line = source.line
        if line in in_table and len(text) <= _SHORT_ROW:
            last = None
            continue
        heading = _is_heading(text)
        join = (found and _adjacent(last, source)
                and not found[-1].heading and not heading and not _ENUMERATED.match(text)
                and not found[-1].text.rstrip().endswith(("。", "！", "？", "!", "?", "；", ";", "：", ":")))
        if not join:
            found.append(_Paragraph("", [], heading))
        paragraph = found[-1]
        for piece in row.pieces:
            if paragraph.text and not join:
                paragraph.text += " "
            join = False
            paragraph.marks.append((len(paragraph.text), piece.source))
            paragraph.text += piece.text.strip()
        last = source
    return found


def _adjacent(previous: Optional[Source], source: Source) -> bool:
    """Whether a row continues the previous one's text: the next source line, or (PDF, no lines)
    the same or the next page."""
    if previous is None:
        return False
    if previous.line is not None and source.line is not None:
        return source.line == previous.line + 1
    if previous.line is None and source.line is None and previous.page is not None and source.page is not None:
        return 0 <= source.page - previous.page <= 1
    return False


def _source_at(paragraph: _Paragraph, offset: int) -> Optional[Source]:
    best = None
    for start, source in paragraph.marks:
        if start <= offset:
            best = (start, source)
        else:
            break
    if best is None:
        return None
    start, source = best
    if source.column is not None and offset > start:
        return source.model_copy(update={"column": source.column + (offset - start)})
    return source


def sentences(document: Document, report: Optional[Report] = None,
              vocabulary: Optional[Vocabulary] = None) -> list[Sentence]:
    """Every narrative sentence with its source and context.

    Context is decided per statement (a sentence's parts between semicolons): a statement speaks of
    disclosure requests when it names them, or when the statement before it in the paragraph (or the
    section heading) did and it names no other population (a blocker)."""
    vocabulary = vocabulary or load_vocabulary()
    found: list[Sentence] = []
    section_application = False
    for number, paragraph in enumerate(paragraphs(document, report)):
        text = paragraph.text
        if not paragraph.heading and not _DIGIT.search(text):
            continue  # no number, no claim (site chrome, prose); headings still set the context
        cut = _TABLE_START.search(text)
        if cut:  # an old 统计表 flattened into the text: pre2019.py reads it, not the claims
            text = text[:cut.start()]
        application = disclosure = False
        offset = 0
        for raw in _SENTENCE_END.split(text):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            folded = fold(raw)
            if paragraph.heading or _HEADING.match(raw):
                section_application = vocabulary.application_regex.search(folded) is not None
                application = disclosure = False
            masked, _ = _mask_brackets(folded)
            statements = []
            begin = 0
            for end in [m.start() for m in _SEMICOLON.finditer(masked)] + [len(folded)]:
                own = vocabulary.application_regex.search(folded, begin, end) is not None
                blocked = vocabulary.blocker_regex.search(folded, begin, end) is not None
                application = own or (not blocked and (application or section_application))
                disclosure = application or vocabulary.disclosure_regex.search(folded, begin, end) is not None \
                    or (not blocked and disclosure)
                statements.append((end + 1, application, disclosure))
                begin = end + 1
            lead = len(raw) - len(raw.lstrip())
            found.append(Sentence(raw.strip(), folded, (paragraph, start + lead), len(found), number,
                                  statements))
    return found


# ------------------------------------------------------------------ numbers

@lru_cache(maxsize=8)
def _about_before(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w != "左右")  # 左右 stands after the number


def _bound(vocabulary: Vocabulary, text: str, start: int, end: int, over_word: Optional[str]) -> str:
    before = text[max(0, start - 4):start]
    after = text[end:end + 3]
    # str.endswith/startswith with a tuple: any of the words (an empty tuple matches nothing)
    if over_word or before.endswith(vocabulary.over_before) or after.startswith(vocabulary.over_suffix):
        return "over"
    if before.endswith(vocabulary.under_before):
        return "under"
    if before.endswith(_about_before(vocabulary.about_before)) or after.startswith("左右"):
        return "about"
    return "exact"


def numbers(vocabulary: Vocabulary, text: str) -> list[Number]:
    """Numbers followed by a unit or %, in a folded text."""
    found = []
    for match in vocabulary.number_regex.finditer(text):
        whole, fraction, over_word, unit = match.groups()
        digits = whole.replace(",", "")
        value = Decimal(digits + ("." + fraction if fraction else ""))
        found.append(Number(value, len(fraction or ""), unit,
                            _bound(vocabulary, text, match.start(), match.end(), over_word),
                            match.group(0), match.start(), match.end()))
    return found


# ------------------------------------------------------------------ masking brackets

def _mask_brackets(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with the inside of top-level round brackets replaced by NULs (positions kept), and
    the (start, end) spans of those insides."""
    if "(" not in text:
        return text, []
    spans = []
    depth, opened = 0, -1
    for match in _BRACKET.finditer(text):  # only the brackets matter: visit them, not every character
        index = match.start()
        if match.group() == "(":
            if depth == 0:
                opened = index + 1
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, index))
    if depth:  # unbalanced: leave it as it is
        return text, []
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], "\0" * (end - start)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), spans


_BRACKET = re.compile(r"[()]")


_CLAUSE = re.compile(r"[,;:，；：。]")
_DIGIT = re.compile(r"\d")
AFTER_WINDOW = 16  # characters after a number in which a term may stand ("1件结转下年度")
_CONJUNCTION = re.compile(r"^(?:及|和|与|、|或|以及|及其)$")


def _clauses(masked: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CLAUSE.finditer(masked):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(masked)))
    return [(a, b) for a, b in spans if b > a]


# ------------------------------------------------------------------ count claims

@dataclass
class _TermHit:
    spec: TermSpec
    start: int
    end: int


def _term_hits(vocabulary: Vocabulary, text: str, start: int, end: int, sentence: str) -> list[_TermHit]:
    hits = []
    for match in vocabulary.term_regex.finditer(text, start, end):
        spec = vocabulary.term_by_text[match.group(0)]
        if spec.sentence_has and not any(w in sentence for w in spec.sentence_has):
            continue
        hits.append(_TermHit(spec, match.start(), match.end()))
    return hits


def _choose(vocabulary: Vocabulary, hits: list[_TermHit], text: str, before: bool) -> list[_TermHit]:
    """The term(s) a number belongs to: highest priority, then nearest; a group named after one of
    its leaves is the leaf unless 等 stands between ("不掌握等原因无法提供" is the group); terms joined
    by 及/和/、 make a group claim ("予以公开及部分公开")."""
    if not hits:
        return []
    claims = vocabulary.claims
    top = max(claims[h.spec.claim].priority for h in hits)
    best = [h for h in hits if claims[h.spec.claim].priority == top]
    chosen = best[-1] if before else best[0]
    spec = claims[chosen.spec.claim]
    if spec.group is None:
        leaves = [h for h in best if claims[h.spec.claim].group == spec.id and h.end <= chosen.start]
        if leaves and "等" not in text[leaves[-1].end:chosen.start]:
            chosen = leaves[-1]
    joined = [chosen]
    index = best.index(chosen)
    while before and index > 0:
        previous = best[index - 1]
        gap = text[previous.end:joined[0].start]
        if not _CONJUNCTION.match(gap) or previous.spec.claim in {h.spec.claim for h in joined}:
            break
        joined.insert(0, previous)
        index -= 1
    return joined


@dataclass
class _Clause:
    start: int
    end: int
    text: str  # the folded sentence, brackets masked for a main clause, plain for a bracketed one
    numbers: list[Number]


def _count_claims(vocabulary: Vocabulary, sentence: Sentence, clauses: list[_Clause]) -> dict[int, Claim]:
    """Count claims keyed by the start of their number."""
    folded = sentence.folded
    claims: dict[int, Claim] = {}
    for clause in clauses:
        a, b, text = clause.start, clause.end, clause.text
        inside = [n for n in clause.numbers if n.unit in vocabulary.request_units]
        words = text[a:b]
        has_application = vocabulary.application_regex.search(words) is not None
        blocked = not has_application and vocabulary.blocker_regex.search(words) is not None
        previous_end = a
        for k, number in enumerate(inside):
            hits = _term_hits(vocabulary, text, previous_end, number.start, folded)
            chosen = _choose(vocabulary, hits, text, before=True)
            if not chosen:  # "1件结转下年度", "72件申请按照《条例》顺延到下年度答复": a term just after
                next_start = inside[k + 1].start if k + 1 < len(inside) else b
                stop = min(next_start, number.end + AFTER_WINDOW)
                bracket = text.find("\0", number.end, stop)
                after = _term_hits(vocabulary, text, number.end, bracket if bracket >= 0 else stop, folded)
                chosen = _choose(vocabulary, after, text, before=False)
            previous_end = number.end
            if not chosen:
                continue
            specs = [vocabulary.claims[h.spec.claim] for h in chosen]
            needs = {s.context for s in specs}
            application, disclosure = sentence.context(number.start)
            if "application" in needs and (not application or blocked):
                continue
            if "disclosure" in needs and not disclosure:
                continue
            if len(specs) == 1:
                candidates = specs[0].candidates
            else:  # a named group of outcomes: the sum of each one's first reading
                expr = " + ".join(s.candidates[0].expr for s in specs)
                candidates = (Candidate(expr, "+".join(s.zh for s in specs), "+".join(s.en for s in specs)),)
            start = min(chosen[0].start, number.start)
            end = max(chosen[-1].end, number.end)
            claims[number.start] = Claim("count", specs[0].code, folded[start:end], sentence, number,
                                         tuple(s.id for s in specs), candidates)
    return claims


# ------------------------------------------------------------------ percentages and year on year

def _percent_claims(vocabulary: Vocabulary, sentence: Sentence, clauses: list[_Clause],
                    counts: dict[int, Claim], parts: dict[int, Claim]) -> list[Claim]:
    folded = sentence.folded
    found = []
    for index, clause in enumerate(clauses):
        text, a, b = clause.text, clause.start, clause.end
        for number in clause.numbers:
            if number.unit != "%":
                continue
            before, after = text[a:number.start], text[number.end:b]
            yoy = next((m for m in vocabulary.yoy_markers if m in before), None)
            if yoy:
                up = any(w in before for w in vocabulary.yoy_up)
                down = any(w in before for w in vocabulary.yoy_down)
                if up == down or not sentence.context(number.start)[0]:
                    continue
                subject = [h.spec.claim for h in _term_hits(vocabulary, text, a, number.start, folded)]
                if not subject:
                    earlier = [c for s, c in sorted(counts.items()) if s < number.start]
                    subject = list(earlier[-1].specs) if earlier else []
                found.append(Claim("yoy", vocabulary.yoy_code, folded[a:number.end], sentence, number,
                                   specs=tuple(subject[-1:]), direction=1 if up else -1))
                continue
            marker = next((m for m in vocabulary.percent_markers if m in before), None)
            if marker is None and not any(after.startswith(m) for m in vocabulary.percent_markers):
                continue
            hint = before[before.rfind(marker) + len(marker):] if marker else ""
            # the count it is a share of: in this clause, else in the clause before
            near = [n for n in clause.numbers if n.end <= number.start]
            if not near and index > 0:
                near = clauses[index - 1].numbers
            near = [n for n in near if n.unit != "%" and (n.start in counts or n.start in parts)]
            if not near:
                continue
            numerator = near[-1]
            part = parts.get(numerator.start)
            found.append(Claim("percent", vocabulary.percent_code, folded[numerator.start:number.end], sentence,
                               number, numerator=counts.get(numerator.start), numerator_number=numerator,
                               hint=hint.replace("\0", ""), list_whole=part.whole if part is not None else None))
    return found


# ------------------------------------------------------------------ lists

def _items(vocabulary: Vocabulary, masked: str, text: str, start: int, end: int) -> list[tuple[str, list[Number]]]:
    """The segments of a list region (split at ，、；) with their numbers."""
    segments, begin = [], start
    for index in range(start, end + 1):
        if index == end or masked[index] in ",、;，；":
            if index > begin:
                segments.append((begin, index))
            begin = index + 1
    found = []
    for a, b in segments:
        segment_numbers = [n for n in numbers(vocabulary, masked[a:b]) if n.unit != "%"]
        for n in segment_numbers:
            n.start += a
            n.end += a
            n.text = text[n.start:n.end]
        found.append((masked[a:b], segment_numbers))
    return found


def _whole(vocabulary: Vocabulary, masked: str, limit: int, unit: str, start: int = 0) -> Optional[Number]:
    """The nearest number with ``unit`` before ``limit`` (one after 共/合计… preferred)."""
    candidates = [n for n in numbers(vocabulary, masked[start:limit]) if n.unit == unit]
    if not candidates:
        return None
    marked = []
    for n in candidates:
        clause_start = max(masked.rfind(c, 0, start + n.start) for c in ",;:，；：") + 1
        if any(w in masked[clause_start:start + n.start] for w in vocabulary.whole_markers):
            marked.append(n)
    chosen = marked[-1] if marked else candidates[-1]
    chosen.start += start
    chosen.end += start
    return chosen


def _list_claims(vocabulary: Vocabulary, sentence: Sentence, previous: Optional[Sentence], masked: str,
                 spans: list[tuple[int, int]], counts: dict[int, Claim],
                 pre2019: bool) -> tuple[list[Claim], dict[int, Claim]]:
    text = sentence.folded
    found: list[Claim] = []
    part_of: dict[int, Claim] = {}
    marker_regex = vocabulary.list_regex
    regions = []  # (marker start, region start, region end, masked text, where the head ends)
    for match in marker_regex.finditer(masked):
        regions.append((match.start(), match.end(), len(masked), masked, match.start()))
    for a, b in spans:  # "2599条，(其中机构职能类信息25条，…)": the whole stands before the bracket
        match = marker_regex.search(text, a, b)
        if match:
            inner = masked[:a] + text[a:b] + masked[b:]
            regions.append((match.start(), match.end(), b, inner, a - 1))
    code = vocabulary.list_code_pre2019 if pre2019 else vocabulary.list_code
    for marker_start, region_start, region_end, region_text, head_end in regions:
        items = _items(vocabulary, region_text, text, region_start, region_end)
        if not any(nums for _, nums in items):
            continue
        units: list[str] = []
        for _, nums in items:
            units += [n.unit for n in nums if n.unit not in units]
        heads = [(masked[:head_end], sentence)]
        if previous is not None:
            heads.append((_mask_brackets(previous.folded)[0], previous))
        whole, whole_text, whole_sentence = None, "", sentence
        for head, owner in heads:
            for unit in units:
                whole = _whole(vocabulary, head, len(head), unit)
                if whole is not None:
                    whole_text, whole_sentence = head, owner
                    break
            if whole is not None:
                break
        if whole is None:
            continue
        clause_start = max(whole_text.rfind(c, 0, whole.start) for c in ",;:") + 1
        whole_clause = whole_text[clause_start:whole.end]
        whole_claim = counts.get(whole.start) if whole_sentence is sentence else None
        parts: list[Number] = []
        family: Optional[str] = None
        for segment, nums in items:
            if any(w in segment for w in vocabulary.list_stop if w not in whole_clause):
                break
            if any(w in segment for w in vocabulary.list_skip):
                continue
            same = [n for n in nums if n.unit == whole.unit]
            if not same:
                continue
            claim = counts.get(same[0].start)
            code_here = claim.code if claim is not None else ""
            if parts and code_here != family:  # the list turned to another subject (复议 after outcomes)
                break
            if whole_claim is not None and claim is not None and claim.code == whole_claim.code \
                    and claim.specs == whole_claim.specs:
                break
            family = code_here
            parts.append(same[0])
        if not parts:
            continue
        closed = any(w in text[region_start:region_start + 8] or w in whole_clause for w in vocabulary.list_closed)
        claim = Claim("list", code, text[marker_start:parts[-1].end], sentence, whole=whole,
                      whole_sentence=whole_sentence, parts=parts, closed=closed)
        found.append(claim)
        for part in parts:
            part_of[part.start] = claim
    return found, part_of


# ------------------------------------------------------------------ entry point

def _sentence_clauses(vocabulary: Vocabulary, text: str, masked: str, spans: list[tuple[int, int]]) -> list[_Clause]:
    clauses = []
    main_numbers = numbers(vocabulary, masked)
    for a, b in _clauses(masked):
        clauses.append(_Clause(a, b, masked, [n for n in main_numbers if a <= n.start < b]))
    for a, b in spans:  # bracketed asides ("含上年度结转申请18件") are clauses of their own
        inner_numbers = numbers(vocabulary, text[a:b])
        for n in inner_numbers:
            n.start += a
            n.end += a
        for x, y in _clauses(text[a:b]):
            clauses.append(_Clause(a + x, a + y, text, [n for n in inner_numbers if a + x <= n.start < a + y]))
    clauses.sort(key=lambda c: (c.start, c.text is masked))
    return clauses


def extract_claims(document: Document, report: Optional[Report] = None,
                   vocabulary: Optional[Vocabulary] = None) -> list[Claim]:
    """Every claim in the narrative, in reading order."""
    vocabulary = vocabulary or load_vocabulary()
    pre2019 = report is not None and report.template.overall == "pre-2019"
    found: list[Claim] = []
    previous: Optional[Sentence] = None
    for sentence in sentences(document, report, vocabulary):
        text = sentence.folded
        # a claim needs a number and a term or a list marker: most sentences have neither
        if _DIGIT.search(text) and (vocabulary.term_regex.search(text) or vocabulary.list_regex.search(text)):
            masked, spans = _mask_brackets(text)
            clauses = _sentence_clauses(vocabulary, text, masked, spans)
            counts = _count_claims(vocabulary, sentence, clauses)
            lists, part_of = _list_claims(vocabulary, sentence, previous, masked, spans, counts, pre2019)
            percents = _percent_claims(vocabulary, sentence, clauses, counts, part_of)
            for start, claim in counts.items():
                if start in part_of:
                    claim.list_whole = part_of[start].whole
            here = list(counts.values()) + percents + lists
            here.sort(key=lambda c: c.number.start if c.number is not None else c.parts[0].start)
            found += here
        previous = sentence
    return found
