"""Change statements: sentences that explain an amount against last year.

The templates print them as "<subject> <amount>万元，占 x%，比上年预算增加 d 万元，增长 g%，主要
原因是…", "<item>… 2025年当年预算执行数为 p 万元，2026年预算安排 a 万元，比2025年预算执行数
减少 g%。主要原因是：…", "…与上年持平", "<subject>未安排", and in 决算 "与 2023 年度相比，<subject>
减少 d 万元" (against 上年决算) and "年初预算为 p 万元，支出决算为 a 万元。决算数小于预算数的
主要原因：…" / "决算数与预算数基本持平" (against 年初预算). Every statement is found from its
comparison phrase (the anchor); the subject and amount are read leftwards to the start of the
clause or numbered item, the reason rightwards up to the next statement or heading. Numbers not
printed stay None.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

from extractor.codes import FUNCTIONAL_CLASSES, join_code
from extractor.labels import squash
from extractor.money import NUMBER_PATTERN, UNIT_PATTERN, parse_number, to_wan
from extractor.narrative.reasons import split_reasons
from extractor.narrative.text import _PARAGRAPH_START, NarrativeText
from extractor.tables.checks import row_ref
from schemas import Table, TableKind
from schemas.narrative import ChangeSection, ChangeStatement, ComparisonBase, SubjectKind

NUM = NUMBER_PATTERN
# A printed change may carry a sign ("增长-5.20%", "增加-3.00万元" when the value fell).
SIGNED = rf"[-－−–]?\s*{NUM}"
UNIT = UNIT_PATTERN  # 亿元|千元|万元|元
_UP, _DOWN = "增加|增长|上升|提高", "减少|下降|降低|减小"
# Words that introduce only a rate: "增幅 29.66%", "降幅 5%".
_UP_RATE, _DOWN_RATE = "增幅|增长率|增速", "降幅|下降率|降低率"
# "与上年持平", "与上年保持一致", "与上年相同", "与上年数一致", "与上年相比无变化", "较上年无增减".
_FLAT = "基本持平|持平|保持不变|保持一致|没有变化|无变化|无增减|一致|相同"
# "上年预算数", "2025年预算执行数", "上年数" ("与上年数一致"), "上年同期".
_BASE = r"(?:上一?年度?|\d{4}\s*年度?)?\s*(?:当年)?\s*(?:预算执行数|预算执行|执行数|年初预算数?|预算数|预算|决算数|决算|同期数?|数)?"
# "比上年预算" / "与2025年预算" / "较2023年度" … then a direction.
_ANCHOR = re.compile(
    rf"(?P<prep>比|较|与|同)\s*(?P<base>{_BASE})\s*(?:相比|相较)?\s*[，,]?\s*"
    rf"(?P<dir>{_UP}|{_DOWN}|{_FLAT})"
)
# "与 2023 年度相比，<subject>减少 d 万元": the subject follows the comparison.
# A total of both sides printed once and compared once for each ("收入、支出预算总计 a 万元，与上年相比
# 收、支预算总计各增加 d 万元"): one statement per side. Without 各/均/分别 a "收支总预算" is one subject.
_BOTH_SIDES = r"收\s*入?\s*[、和及与]?\s*支\s*出?"
_JOINT = re.compile(
    rf"(?P<fiscal>财政拨款)?\s*{_BOTH_SIDES}\s*(?P<measure>(?:预算|决算)?\s*(?:总预算|总决算|总计|合计|总额|总数))"
    rf"\s*(?:均|各)?\s*(?:为|是)?\s*(?P<num>{NUM})\s*(?P<unit>{UNIT})\s*[。，,；;]?\s*"
    rf"(?P<prep>比|较|与|同)\s*(?P<base>{_BASE})\s*(?:相比|相较|比较)?\s*[，,]?\s*"
    rf"(?P<subj>[^，。；;\d]{{0,24}}?)(?:各|均|分别)\s*(?P<dir>{_UP}|{_DOWN}|{_FLAT})"
)
_ANCHOR_AFTER = re.compile(r"与\s*(?P<base>上一?年度?|\d{4}\s*年度?|\s*年度)\s*相比\s*[，,]")
# Inside a "其中：" list the base is not repeated: "因公出国（境）费增加0.00万元", and in 决算
# "其中：因公出国（境）费支出决算持平；公务接待费支出决算持平。"
_BARE = re.compile(rf"(?P<dir>{_UP}|{_DOWN})\s*(?={SIGNED}\s*(?:{UNIT}))")
# After a direction word: the printed change "d 万元" or "g%", then maybe "，增长 g%".
_CHANGE_NUMBER = re.compile(rf"\s*(?P<num>{SIGNED})\s*(?P<unit>{UNIT}|%)")
_GROWTH_AFTER = re.compile(
    rf"\s*[，,]?\s*(?P<dir>{_UP_RATE}|{_DOWN_RATE}|{_UP}|{_DOWN})\s*(?:为)?\s*(?P<num>{SIGNED})\s*%"
)
# After "与 2023 年度相比，": the subject and its direction. In "收、支总计各增加 d 万元" the 各/均
# belongs to neither.
_SUBJECT_DIRECTION = re.compile(rf"(?P<subj>[^，。；]{{1,30}}?)(?:各|均)?(?P<dir>{_UP}|{_DOWN}|{_FLAT})")
_BARE_FLAT = re.compile(
    r"(?:(?<=其中[:：])|(?<=[；;]))[^，,。；;：:\n与比较]{2,30}?(?P<dir>(?:基本)?持平)(?=[。；;])"
)
_PREVIOUS_THEN_DIRECTION = re.compile(
    rf"上年(?:度)?(?P<base>预算执行数|预算执行|执行数|预算数|预算|决算数|决算)?\s*(?:为|是)\s*{NUM}\s*(?:{UNIT})"
    rf"\s*[，,]\s*(?:比上年)?\s*(?P<dir>{_UP}|{_DOWN})"
)
# 决算 against the 年初预算: "决算数小于预算数的主要原因" / "决算数大于年初预算数，主要原因是".
_VS_BUDGET = re.compile(r"决算数?\s*(?P<dir>小于|低于|大于|高于|超过|等于)\s*(?:年初)?预算数?")
# "年初预算为 p 万元，支出决算为 a 万元": the 年初预算 and the 决算 of one item.
_BUDGET_PAIR = re.compile(
    rf"年初预算数?\s*为\s*(?P<prev>{NUM})\s*(?P<unit>{UNIT})[^。；;]{{0,30}}?决算数?\s*为\s*(?P<cur>{NUM})\s*(?P=unit)"
)
AMOUNT = re.compile(rf"(?P<num>{NUM})\s*(?P<unit>{UNIT})")
# An amount printed without its unit at the end of the subject's clause ("预算数为196.72",
# "支出 0"); never a year, a count or a percentage (those carry 年/人/个/% or stand elsewhere).
_BARE_AMOUNT = re.compile(
    rf"(?:为|是|支出|预算|总计|合计|安排|决算)\s*(?P<num>(?<![\d.]){NUM})\s*[，,。；;]?\s*$"
)
"""A printed amount and its unit: "1,234.50 万元"."""
_NOT_ARRANGED = re.compile(
    r"(?:^|(?<=[。；;\n]))(?P<subj>[^，。；;\n\d]{2,40}?)(?:均)?未安排[。；;]?(?=\n|$)"
)
_CARRYOVER_NONE = re.compile(r"没有(?P<subj>上年结转结余)(?:预算)?安排的\s*支\s*出")
# "X增加的主要原因是R" on its own, after the statements it explains.
_STANDALONE = re.compile(
    rf"(?:^|(?<=[。\n]))(?P<what>[^，。；\n]{{2,40}}?)(?P<dir>{_UP}|{_DOWN}|变化|变动)的主要原因(?:是|为)?[:：]?"
)
# What may sit between a comparison and its "主要原因".
_REASON_INTRO = re.compile(
    r"[，,。.；;\s]*(?:(?:决算数)?(?:小于|大于|低于|高于|超过)(?:年初)?预算数?的|(?:增加|减少|增长|下降|变化)的|的)?"
    r"(?:其)?(?:主要原因(?:是|为|在于)?|原因(?:主要)?(?:是|为|在于)|主要(?:是|由于|系)(?!用于|用在))\s*[:：]?\s*"
)
_ENUMERATOR = re.compile(
    r"^\s*(?:\d{1,2}\s*[、.．](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]+\s*[、.．]|[①-⑳])\s*"
)
_YEAR = re.compile(r"\d{4}\s*年度?(?:的)?")
_GENERIC_SUBJECT = re.compile(
    r"^(?:当年)?(?:预算|预算数|预算安排|预算执行数?|执行数|年初预算数?|决算|决算数|支出决算|安排|合计|总计)?(?:为|是)?$"
)
# "…增加了该项支出。增减相抵后与上年相比减少 d 万元": the net of the reasons, restating the statement.
_RESTATEMENT = re.compile(r"^(?:增减|收支)?(?:相抵|抵顶|抵消|抵减)后?|^综上(?:所述)?|^总体(?:来看|上)|^总的来看")
_FUNCTIONAL = re.compile(r"[（(]\s*\d*\s*类\s*[)）]")
_FUNCTIONAL_PART = re.compile(
    r"(?P<name>[^（()）“”\"]+?)\s*[（(]\s*(?P<code>\d*)\s*(?P<level>类|款|项)\s*[)）]"
)
_THREE_PUBLIC_ITEM = re.compile(r"因公出国|公务用车|公务接待")
_SENTENCE_END = "。！？!?"


# The family's wordings of a comparison, each with sentences printed in real volumes (Jiangsu
# 省委办公厅 2017-2019, Putuo, the seeds) and a harder one in other provinces' usual phrasing;
# tests/test_family_wordings.py runs every example through ``find_changes``.
WORDINGS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "both sides' total compared once (_JOINT): one statement per side",
        "收入、支出预算总计 a 万元，与上年相比收、支预算总计各增加 d 万元",
        (
            "江苏省委办公厅2018年度收入、支出预算总计24458.43万元，与上年相比收、支预算总计各增加3608.98万元，增长17.31%。",
            "省委办公厅 2017 年度财政拨款收、支总预算 20702.25万元。与上年相比，财政拨款收、支总计各增加 2043.58 万元，增长 10.95%。",
            "本部门2024年收入和支出预算总计均为1,234.56万元，比2023年预算均减少56.78万元，下降4.40%。",
        ),
    ),
    (
        "unchanged (_FLAT, _BASE 数/同期)",
        "与上年数一致 / 与上年预算数一致 / 与上年保持一致 / 与上年相同 / 与上年相比无变化 / 较上年无增减",
        (
            "江苏省委办公厅2018年政府性基金支出预算支出0万元，与上年数一致。",
            "2．财政专户管理资金收入预算总计 147.20 万元。与上年保持一致。",
            "单位预留机动经费预算数为 196.72 万元。与上年相同。",
            "（2）政府性基金收入预算0万元，与上年相比无变化。",
            "公务接待费预算支出 28 万元，本年数与上年预算数一致。",
            "会议费支出12.00万元，较上年同期无增减。",
        ),
    ),
    (
        "与上年相比 after the amount, with or without a comma (_ANCHOR, _ANCHOR_AFTER)",
        "X 支出 a 万元，与上年相比增加 d 万元 / 与上年相比，X 增加 d 万元",
        (
            "1．一般公共服务（类）支出20153.75万元，主要用于保障机构正常运转。与上年相比增加3161.38万元，增长18.60%。",
            "江苏省委办公厅2018年财政拨款预算支出24458.43万元，占本年支出合计的100%。与上年相比，财政拨款支出增加3756.18万元，增长18.14%。",
            "教育支出（类）856.30万元，同上年相比，减少42.10万元，下降4.68%。",
        ),
    ),
    (
        "amounts printed without a unit (_BARE_AMOUNT, _BARE_CHANGE_NUMBER): the unit is the one the"
        " change prints, never assumed",
        "X 预算数为 a，比上年增加 d 万元 / X 为 a，与上年数一致",
        (
            "单位预留机动经费预算数为196.72，比上年增加5.00万元，增长2.61%。",
            "基本支出预算数为570.03，比上年预算减少30.41，降幅5.06%。",
        ),
    ),
)


@dataclass
class _Anchor:
    """A comparison found in the text, before its subject and reason are attached."""

    start: int  # where the comparison phrase starts
    end: int  # after its numbers
    base: ComparisonBase | None
    sign: int  # +1 增加, -1 减少, 0 持平
    delta: Decimal | None = None
    delta_unit: str | None = None
    growth: Decimal | None = None
    subject_after: tuple[int, int] | None = None  # 决算 "与…相比，<subject>减少"
    joint: _Joint | None = None  # "收、支预算总计各增加": one comparison for two subjects

    @property
    def unchanged(self) -> bool:
        """持平 printed, or a change of 0 with no (or a 0) growth rate."""
        return self.sign == 0 or (self.delta == 0 and (self.growth is None or self.growth == 0))


@dataclass(frozen=True)
class _Joint:
    """The two sides of a "收入、支出预算总计 a 万元，与上年相比收、支预算总计各增加 d 万元" statement."""

    start: int  # where the total is named
    subjects: tuple[str, str]  # ("收入预算总计", "支出预算总计") as printed, each side spelled out
    fiscal: bool  # 财政拨款收、支总预算
    amount: Decimal | None
    unit: str


def _joint_anchors(text: str, doc_kind: str | None) -> list[_Anchor]:
    """One anchor per "<both sides> a 万元，与上年相比…各增加 d 万元" statement (see ``_JOINT``)."""
    out = []
    for m in _JOINT.finditer(text):
        sign = _sign(m["dir"])
        end, delta, unit, growth = _numbers_after(text, m.end(), sign)
        if sign and end == m.end():
            continue
        # The name as the comparison repeats it ("收、支预算总计"), else as the total was printed.
        printed = squash(m["subj"])
        named = re.search(rf"(?P<pre>[^，、]*?){_BOTH_SIDES}(?P<measure>.*)$", printed)
        pre, measure = (named["pre"], named["measure"]) if named else ("", squash(m["measure"]))
        fiscal = bool(m["fiscal"]) or "财政拨款" in pre
        pre = "财政拨款" if fiscal else pre
        subjects = (f"{pre}收入{measure}", f"{pre}支出{measure}")
        joint = _Joint(m.start(), subjects, fiscal, parse_number(m["num"]), m["unit"])
        out.append(
            _Anchor(m.start("prep"), end, _base_of(m["base"], doc_kind), sign, delta, unit, growth, joint=joint)
        )
    return out


def _base_of(raw: str, doc_kind: str | None) -> ComparisonBase | None:
    raw = squash(raw)
    if "执行" in raw:
        return "上年预算执行数"
    if "年初预算" in raw or (
        doc_kind == "final_accounts" and re.fullmatch(r"(?:\d{4}年度?)?(?:当年)?预算数?", raw)
    ):
        return "年初预算"  # 决算: "决算数与预算数基本持平" compares with the 年初预算
    if "决算" in raw:
        return "上年决算"
    if "预算" in raw:
        return "上年预算"
    if raw or doc_kind:
        return "上年决算" if doc_kind == "final_accounts" else "上年预算"
    return None


_UP_WORD = re.compile(f"{_UP}|{_UP_RATE}|大于|高于|超过")
_DOWN_WORD = re.compile(f"{_DOWN}|{_DOWN_RATE}|小于|低于")


def _sign(word: str) -> int:
    """+1 for a word of increase (增加, 增幅, 大于 …), −1 for one of decrease, 0 otherwise (持平)."""
    if _UP_WORD.fullmatch(word):
        return 1
    return -1 if _DOWN_WORD.fullmatch(word) else 0


def _signed(sign: int, value: Decimal | None) -> Decimal | None:
    """A printed change with the direction's sign: 减少/下降 make it negative whatever is printed
    (a printed "减少-3.00" is read as a decrease of 3.00), 增加/增长 keep the printed sign
    ("增长-5.20%" is −5.20). Zero is never negative ("减少0.00" → 0.00, at the printed scale)."""
    if value is None:
        return None
    value = -abs(value) if sign < 0 else value if sign > 0 else sign * value
    return abs(value) if value == 0 else value


# A change printed without its unit ("比上年增加 12.50，增长 3.2%"): a decimal number, or one
# followed by its rate; "增加 6 人" is no money change. Its unit is the subject's.
_BARE_CHANGE_NUMBER = re.compile(
    rf"\s*(?P<num>{SIGNED})(?=\s*[，,]\s*(?:{_UP_RATE}|{_DOWN_RATE}|{_UP}|{_DOWN})\s*(?:为)?\s*{SIGNED}\s*%)"
    rf"|\s*(?P<dec>[-－−–]?\s*\d[\d,]*\.\d+)(?=\s*(?:[，,。；;]|$))"
)


def _numbers_after(text: str, pos: int, sign: int) -> tuple[int, Decimal | None, str | None, Decimal | None]:
    """After a direction word: "d 万元，增长 g%" or "g%". Returns (end, delta, unit, growth);
    a change printed without a unit has unit None (the caller takes the subject's)."""
    m = _CHANGE_NUMBER.match(text, pos)
    if m is None:
        bare = _BARE_CHANGE_NUMBER.match(text, pos)
        if bare is None:
            return pos, None, None, None
        value = _signed(sign, parse_number(bare["num"] or bare["dec"]))
        g = _GROWTH_AFTER.match(text, bare.end())
        if g is None:
            return bare.end(), value, None, None
        return g.end(), value, None, _signed(_sign(g["dir"]), parse_number(g["num"]))
    value = _signed(sign, parse_number(m["num"]))
    if m["unit"] == "%":
        return m.end(), None, None, value
    g = _GROWTH_AFTER.match(text, m.end())
    if g is None:
        return m.end(), value, m["unit"], None
    return g.end(), value, m["unit"], _signed(_sign(g["dir"]), parse_number(g["num"]))


def _starts_paragraph(text: str, i: int) -> bool:
    """Does a numbered item or heading start at ``i``? (``^`` of a compiled pattern only
    matches at the real string start, hence the slice.)"""
    head = text[i : i + 40]
    return bool(_PARAGRAPH_START.match(head) or _HEADING.match(head))


def _is_hard_break(text: str, i: int) -> bool:
    """Is the newline at ``i`` a real paragraph end (not a wrapped line)?"""
    prev = text[:i].rstrip(" ")[-1:] if i else ""
    if prev in "。；;：:！？!?" or _starts_paragraph(text, i + 1):
        return True
    line = text[text.rfind("\n", 0, i) + 1 : i]
    return bool(_HEADING.match(line) and re.search(r"(说明|情况|概况)$", line))  # a heading line


def _clause_start(text: str, pos: int, floor: int = 0) -> int:
    """Start of the clause that ends at ``pos``: after 。；： or a real paragraph break."""
    i = pos - 1
    while i >= floor:
        ch = text[i]
        if ch in "。；;：:" or (ch == "\n" and _is_hard_break(text, i)):
            return i + 1
        i -= 1
    return max(floor, 0)


def _find_anchors(text: str, doc_kind: str | None) -> list[_Anchor]:
    joints = _joint_anchors(text, doc_kind)
    out: list[_Anchor] = []
    for m in _ANCHOR.finditer(text):
        sign = _sign(m["dir"])
        end, delta, unit, growth = _numbers_after(text, m.end(), sign)
        if sign and end == m.end():
            continue  # "比上年增加 6 人": not a money comparison
        out.append(_Anchor(m.start(), end, _base_of(m["base"], doc_kind), sign, delta, unit, growth))
    for m in _ANCHOR_AFTER.finditer(text):
        d = _SUBJECT_DIRECTION.match(text, m.end())
        if d is None:
            continue
        sign = _sign(d["dir"])
        end, delta, unit, growth = _numbers_after(text, d.end(), sign)
        out.append(
            _Anchor(
                m.start(),
                end,
                # The base names a year only ("与 2023 年度相比"): last year's figure of the
                # document's kind (``_base_of`` would read a bare year in a 决算 as 年初预算).
                _base_of("", doc_kind),
                sign,
                delta,
                unit,
                growth,
                subject_after=(d.start("subj"), d.end("subj")),
            )
        )
    for m in _PREVIOUS_THEN_DIRECTION.finditer(text):
        # "本年预算数为 a 万元，上年预算数为 p 万元，增加 d 万元": the base is named before the change.
        sign = _sign(m["dir"])
        end, delta, unit, growth = _numbers_after(text, m.end(), sign)
        if end > m.end() and not any(a.start <= m.start("dir") < a.end for a in out):
            out.append(
                _Anchor(m.start("dir"), end, _base_of(m["base"] or "", doc_kind), sign, delta, unit, growth)
            )
    for m in _VS_BUDGET.finditer(text):
        # No difference is printed here: the amounts are read with the subject (_budget_pair).
        out.append(_Anchor(m.start(), m.end(), "年初预算", _sign(m["dir"])))
    taken = [(a.start, a.end) for a in out]
    for m in _BARE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        sign = _sign(m["dir"])
        end, delta, unit, growth = _numbers_after(text, m.end(), sign)
        out.append(_Anchor(m.start(), end, None, sign, delta, unit, growth))
    for m in _BARE_FLAT.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            out.append(_Anchor(m.start("dir"), m.end(), None, 0))
    # A joint statement's comparison is read once, as the joint one.
    spans = [(j.joint.start, j.end) for j in joints if j.joint]
    out = [a for a in out if not any(s <= a.start < e for s, e in spans)] + joints
    return sorted(out, key=lambda a: a.start)


@dataclass
class _Head:
    """The subject part of a statement: where it starts, its name and printed amount."""

    start: int
    subject: str
    amount: Decimal | None = None
    unit: str | None = None
    share: Decimal | None = None
    previous: Decimal | None = None


def _plausible_subject(subject: str) -> bool:
    """A name, not a generic word or a run of numbers pulled in from a scrambled text layer
    (digits are only allowed inside a functional code "（204类）")."""
    if not subject or _GENERIC_SUBJECT.match(subject):
        return False
    return not re.search(r"\d", re.sub(r"[（(]\s*\d*\s*[类款项]\s*[)）]", "", subject))


def _clean_subject(raw: str) -> str:
    s = _ENUMERATOR.sub("", raw.replace("\n", "")).lstrip("、，, ")
    s = re.sub(r"^\s*其中\s*[:：]?", "", s)
    years = list(_YEAR.finditer(s))
    if years:
        s = s[years[-1].end() :]
    s = re.sub(r"(?:为|是)$", "", s.strip()).strip()
    if len(s) > 2 and s[0] in '“"' and s[-1] in '”"':
        s = s[1:-1].strip()  # "“公共安全支出（类）…（项）”25.77万元": quoted name
    return s


def _parse_head(text: str, start: int, end: int) -> _Head:
    """Subject, amount and share printed in ``text[start:end]`` (the clause before a comparison)."""
    chunk = text[start:end]
    head = _Head(start=start, subject="")
    amount = AMOUNT.search(chunk)
    if amount is None:
        bare = _BARE_AMOUNT.search(chunk)
        if bare is not None:  # "单位预留机动经费预算数为196.72。与上年相同": the unit is not printed
            head.subject = _clean_subject(re.split(r"[，,]", chunk[: bare.start("num")])[-1])
            head.amount = parse_number(bare["num"])
            return head
        head.subject = _clean_subject(chunk.split("，")[-1].split(",")[-1])
        return head
    before = chunk[: amount.start()]
    head.subject = _clean_subject(re.split(r"[，,]", before)[-1])
    head.amount, head.unit = parse_number(amount["num"]), amount["unit"]
    share = re.search(rf"占[^，,。]{{0,12}}?(?P<num>{NUM})\s*%", chunk[amount.end() :])
    if share:
        head.share = parse_number(share["num"])
    # "2025年当年预算执行数为 p 万元，2026年预算安排 a 万元": previous and current amounts.
    prev = re.search(rf"(?:执行数|上年预算数?|年初预算数?)\s*为\s*(?P<num>{NUM})\s*(?:{UNIT})", chunk)
    # 决算 "一般公共预算财政拨款支出年初预算为 p 万元，支出决算为 a 万元": the name carries the measure.
    measure = re.search(r"(?<=.)年初预算数?$", head.subject)
    if prev and (measure or _GENERIC_SUBJECT.match(head.subject)):
        if measure:
            head.subject = head.subject[: measure.start()]
        head.previous = parse_number(prev["num"])
        cur = re.search(
            rf"(?:预算安排|预算数为|支出决算为|决算数为)\s*(?P<num>{NUM})\s*(?P<unit>{UNIT})", chunk
        )
        head.amount, head.unit = (parse_number(cur["num"]), cur["unit"]) if cur else (None, None)
    # "基本支出本年预算数为 a 万元，上年预算数为 p 万元，增加…": the name carries "本年预算数".
    own = re.search(r"(?<=.)(?:本年|今年|当年|\d{4}\s*年)度?(?:预算|决算)数?$", head.subject)
    if own:
        head.subject = head.subject[: own.start()]
    stated = re.search(
        rf"上年度?(?:预算执行数|执行数|预算数|预算|决算数|决算)\s*为\s*(?P<num>{NUM})\s*(?P<unit>{UNIT})",
        chunk,
    )
    if stated and head.previous is None and stated["unit"] == head.unit:
        head.previous = parse_number(stated["num"])
    return head


def _find_head(text: str, anchor_start: int, floor: int) -> _Head:
    """The subject of the comparison at ``anchor_start``: its own clause, or — when that clause
    only says "2026 年预算数为 …" — the numbered item heading a few clauses back."""
    start = _clause_start(text, anchor_start, floor)
    head = _parse_head(text, start, anchor_start)
    if head.subject and not _GENERIC_SUBJECT.match(head.subject):
        return head
    own = head
    pos = start
    for _ in range(6):
        if pos <= floor:
            break
        prev_start = _clause_start(text, pos - 1, floor)
        clause = text[prev_start : pos - 1]
        if (
            _ENUMERATOR.match(clause)
            or (prev_start > 0 and text[prev_start - 1] == "\n")
            or prev_start == floor
        ):
            item = _parse_head(text, prev_start, pos - 1)
            if item.subject and not _GENERIC_SUBJECT.match(item.subject):
                if own.previous is not None:
                    item.previous = own.previous
                if item.amount is None:
                    item.amount, item.unit = own.amount, own.unit
                return item
        pos = prev_start
    return own


def _paragraph_unit(text: str, start: int, end: int) -> str | None:
    """The money unit printed with the amounts of the paragraph holding ``text[start:end]``, when
    there is exactly one."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    units = {m["unit"] for m in AMOUNT.finditer(text, a, len(text) if b < 0 else b)}
    return units.pop() if len(units) == 1 else None


def _sentence_before(text: str, pos: int) -> int | None:
    """Start of the sentence that ends with the 。 just before ``pos`` in the same paragraph."""
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0 or text[i] not in "。；;":
        return None
    floor = text.rfind("\n", 0, i) + 1
    return _clause_start(text, i, floor) if i > floor else None


def _loose_name(subject: str) -> str:
    """A subject without the measure words a repetition may drop ("财政拨款预算支出" ~ "财政拨款支出")."""
    return re.sub(r"\s+|预算|决算|本年|当年|数$", "", subject)


def _budget_pair(text: str, start: int, before: int) -> tuple[Decimal, Decimal, str, int] | None:
    """(年初预算, 决算, unit, clause start) of the last "年初预算为 p 万元，支出决算为 a 万元" in the
    paragraph holding ``start``, before ``before``: 决算 states them before "决算数小于预算数"."""
    floor = text.rfind("\n", 0, start) + 1
    hits = list(_BUDGET_PAIR.finditer(text, floor, before))
    if not hits:
        return None
    prev, cur = parse_number(hits[-1]["prev"]), parse_number(hits[-1]["cur"])
    if prev is None or cur is None:
        return None
    return prev, cur, hits[-1]["unit"], _clause_start(text, hits[-1].start(), floor)


def _mention_start(text: str, subject: str, before: int) -> int | None:
    """Start of the clause, in the same paragraph, that printed ``subject``'s amount (决算
    "X 总计 a 万元。与 2023 年度相比，X 总计减少 d 万元" names the subject after the comparison)."""
    floor = text.rfind("\n", 0, before) + 1
    loose = r"\s*".join(re.escape(ch) for ch in squash(subject))
    hits = list(re.finditer(rf"{loose}\s*(?:为)?\s*{NUM}\s*(?:{UNIT})", text[floor:before]))
    return _clause_start(text, floor + hits[-1].start(), floor) if hits else None


def _previous_mention(text: str, subject: str, before: int) -> tuple[Decimal, str] | None:
    """The amount printed with ``subject`` shortly before (三公: "其中：因公出国（境）费 0.00 万元")."""
    stem = re.sub(r"(预算数|预算|数)$", "", subject)
    if len(stem) < 2:
        return None
    window = text[max(0, before - 800) : before]
    loose = r"\s*".join(re.escape(ch) for ch in stem)  # the name may wrap over lines
    pattern = re.compile(rf"{loose}\s*(?:预算数|预算|数)?\s*(?:为)?\s*(?P<num>{NUM})\s*(?P<unit>{UNIT})")
    hits = list(pattern.finditer(window))
    if not hits:
        return None
    value = parse_number(hits[-1]["num"])
    return (value, hits[-1]["unit"]) if value is not None else None


# --- sections -------------------------------------------------------------------------------

_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）])"
)


def _heading_section(heading: str) -> ChangeSection | None:
    h = squash(heading)
    rules: list[tuple[str, ChangeSection]] = [
        (r"三公", "three_public"),
        (r"运行经费", "admin_operation"),
        (r"结转结余", "carryover"),
        (r"一般公共预算(当年拨款|财政拨款支出|支出预算情况)", "general_public_appropriation"),
        (r"财政拨款收(入)?支|财政拨款支出(预算|决算)|政府性基金", "fiscal"),
        (r"收入(预算|决算)?(情况)?说明", "revenue"),
        (r"支出(预算|决算)(情况)?说明", "expenditure"),
    ]
    for pattern, section in rules:
        if re.search(pattern, h):
            return section
    return None


# "（二）支出预算总计 24458.43 万元。包括：": the items listed next break that side's total down.
_SIDE_LEAD_IN = re.compile(
    r"^\s*[（(]?[一二三四五六七八九十\d]+[)）、.．]?\s*(?P<side>收入|支出)(?:预算|决算)?(?:总计|合计)[^。\n]{0,30}?"
    r"[。，,]?\s*(?:包括|其中)\s*[:：]?\s*$"
)


_TOP_HEADING = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.．])")


def _breakdowns(text: str) -> list[tuple[int, int, str]]:
    """``[start, end)`` and side of every list that breaks a 收入/支出 total down, each up to the
    next heading or lead-in."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for para in text.split("\n"):
        m = _SIDE_LEAD_IN.match(para)
        if out and out[-1][1] < 0 and (m or _TOP_HEADING.match(para)):
            out[-1] = (out[-1][0], pos, out[-1][2])
        if m:
            out.append((pos, -1, m["side"]))
        pos += len(para) + 1
    return [(a, b if b >= 0 else len(text), side) for a, b, side in out]


def _sections(text: str) -> list[tuple[int, ChangeSection | None]]:
    """(offset, section) at every heading paragraph; a top-level heading resets the section."""
    out: list[tuple[int, ChangeSection | None]] = [(0, None)]
    pos = 0
    paras = text.split("\n")
    for k, para in enumerate(paras):
        m = _HEADING.match(para)
        if m is None:
            pos += len(para) + 1
            continue
        # A heading is short and says nothing itself (a 名词解释 entry "（八）机关运行经费：指…" is no heading).
        body = para[m.end() :]
        if m and len(para) <= 80 and not re.search(r"\d+(\.\d+)?\s*[亿千万]?元|[。：:].", body):
            nxt = paras[k + 1] if k + 1 < len(paras) else ""
            # A heading wrapped over two lines ("…收入预算情" / "况说明") is classified whole.
            wrapped = (
                not _HEADING.match(nxt)
                and para[-1:] not in "。；：:"
                and (len(nxt) <= 15 or (len(nxt) <= 40 and re.search(r"(说明|情况)$", nxt)))
                and not re.search(r"[，,]|\d\s*[亿千万]?元", nxt)
            )
            section = _heading_section(para + nxt if wrapped else para)
            top = not para.lstrip().startswith(("（", "("))
            if section is not None or top:
                out.append((pos, section))
        pos += len(para) + 1
    return out


def _section_at(
    sections: list[tuple[int, ChangeSection | None]], starts: list[int], offset: int
) -> ChangeSection | None:
    """The section at ``offset``: that of the last heading at or before it (``starts``: the
    sections' offsets, ascending)."""
    at = bisect_right(starts, offset)
    return sections[at - 1][1] if at else None


def _classify(subject: str, context: ChangeSection | None) -> tuple[ChangeSection, SubjectKind]:
    s = squash(subject)
    if _FUNCTIONAL.search(s) or re.search(r"[（(]\d*款[)）]", s):
        return "functional_item", "functional_item"
    if "三公" in s:
        return "three_public", "three_public_total"
    if _THREE_PUBLIC_ITEM.search(s) and context in (None, "three_public"):
        return "three_public", "three_public_item"
    if "机关运行经费" in s or "运行经费" in s and context == "admin_operation":
        return "admin_operation", "admin_operation"
    if "上年结转结余" in s or "结转结余" in s and context == "carryover":
        return "carryover", "carryover"
    section = context
    if section in (None, "other", "admin_operation", "carryover", "three_public"):
        if "收入" in s:
            section = "revenue"
        elif re.search(r"拨款支出|财政拨款|政府性基金(?:预算)?支出", s):
            section = "fiscal"
        elif re.search(r"基本支出|项目支出|支出预算|支出决算", s):
            section = "expenditure"
        else:
            section = "other"
    if section == "revenue":
        if "结转" in s or "结余" in s:
            return section, "carryover"
        # 决算 "收入支出总计" / "收、支总计": the 收入支出决算总表 balances, so it is the revenue total.
        if re.fullmatch(r"(部门)?(本年)?(收入|收入支出|收、?支)(预算|决算)?(合计|总计)?", s):
            return section, "revenue_total"
        return section, "revenue_source"
    if "基本支出" in s:
        return section, "basic_expenditure"
    if "项目支出" in s:
        return section, "project_expenditure"
    if section == "expenditure":
        return section, "expenditure_total" if re.search(r"支出(预算|决算)?(合计|总计)?$", s) else "other"
    if section == "fiscal":
        return section, "fiscal_total" if re.match(r"^财政拨款(收入)?支出", s) else "other"
    if section == "three_public":
        return section, "three_public_item"
    return section, "other"


# --- functional codes -------------------------------------------------------------------------


def _norm_label(s: str) -> str:
    return re.sub(r"[\s“”\"（）()]", "", s)


def _functional_rows(tables: list[Table]) -> list:
    """Functional-classification rows, the 一般公共预算支出表 first."""
    order = [TableKind.general_public_expenditure, TableKind.expenditure_summary, TableKind.revenue_summary]
    rows = []
    for kind in order:
        for t in tables:
            if t.kind == kind and not t.empty:
                rows += [r for r in t.rows if r.code and r.code_scheme != "economic" and not r.project]
    return rows


@dataclass
class TableRows:
    """The tables' rows a change statement is matched against, indexed once per document: each
    statement then looks its code and rows up instead of re-normalising every row's label (which
    made a long document quadratic)."""

    tables: list[Table]
    # (code width, normalised label, code prefix or None) → the first functional row's code
    first_code: dict[tuple[int, str, str | None], str] = field(default_factory=dict)
    # code → [(table kind, refs of that table's rows with the code)], in table order
    by_code: dict[str, list[tuple[TableKind, list[str]]]] = field(default_factory=dict)
    # per non-empty 三公 table: (normalised label, row ref) of each row
    three_public: list[list[tuple[str, str]]] = field(default_factory=list)
    _refs: dict[str, list[str]] = field(default_factory=dict)
    _three_refs: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r in _functional_rows(self.tables):
            name, width = _norm_label(r.label), len(r.code)
            for prefix in (None, *(r.code[:k] for k in (3, 5, 7) if k <= width)):
                self.first_code.setdefault((width, name, prefix), r.code)
        for t in self.tables:
            if t.empty:
                continue
            if t.kind in (TableKind.general_public_expenditure, TableKind.expenditure_summary):
                hits: dict[str, list[str]] = {}
                for r in t.rows:
                    if r.code and not r.project:
                        hits.setdefault(r.code, []).append(row_ref(r))
                for code, refs in hits.items():
                    self.by_code.setdefault(code, []).append((t.kind, refs))
            elif t.kind == TableKind.three_public:
                self.three_public.append([(_norm_label(r.label), row_ref(r)) for r in t.rows])

    def code_refs(self, code: str) -> list[str]:
        """Refs of the rows with ``code`` in the tables of the first kind that has one (一般公共预算
        支出表 or 支出总表, whichever comes first), each once."""
        if code not in self._refs:
            hits = self.by_code.get(code, [])
            refs: list[str] = []
            seen: set[str] = set()
            for kind, table_refs in hits:
                if kind != hits[0][0]:
                    continue
                for h in table_refs:
                    if h not in seen:
                        seen.add(h)
                        refs.append(h)
            self._refs[code] = refs
        return list(self._refs[code])

    def three_public_refs(self, subject: str) -> list[str]:
        """Rows of a national-form 三公 table whose label names the same item."""
        s = _norm_label(subject)
        if s not in self._three_refs:
            out: list[str] = []
            for rows in self.three_public:
                exact = [ref for label, ref in rows if label == s]
                near = [ref for label, ref in rows if len(label) >= 4 and label in s]
                out += exact or near
            self._three_refs[s] = out
        return list(self._three_refs[s])


def _code_by_labels(parts: list[re.Match[str]], index: TableRows) -> str | None:
    """The code of "卫生健康支出（类）…（项）", resolved level by level against the labels of the
    tables' functional rows (a 类 also by its national name)."""
    code: str | None = None
    for p in parts:
        name = _norm_label(p["name"])
        width = {"类": 3, "款": 5, "项": 7}[p["level"]]
        candidate = index.first_code.get((width, name, code))
        if p["level"] == "类" and candidate is None and name in FUNCTIONAL_CLASSES:
            candidate = FUNCTIONAL_CLASSES[name]
        if candidate is None:
            return None
        code = candidate
    return code


def resolve_functional(subject: str, tables: list[Table] | TableRows) -> tuple[str | None, list[str]]:
    """The functional code of "公共安全支出（204类）司法（06款）…（01项）" (printed digits) or of
    "卫生健康支出（类）…（项）" (resolved level by level against the tables' rows by label), and
    the matching row references."""
    index = tables if isinstance(tables, TableRows) else TableRows(tables)
    parts = list(_FUNCTIONAL_PART.finditer(subject))
    if not parts:
        return None, []
    printed = [p["code"] for p in parts]
    code = join_code(printed) if all(printed) else _code_by_labels(parts, index)
    if code is None:
        return None, []
    return code, index.code_refs(code)


# --- reasons ----------------------------------------------------------------------------------


def _full_line(text: NarrativeText, offset: int) -> bool:
    """Does the source line holding ``offset`` run to the right margin (so a 。 at its end may
    be a wrap, not a paragraph end)?"""
    line = text.line_at(offset)
    bbox = line.provenance.bbox
    if bbox is not None:
        edge = text.right_edges[line.provenance.page]  # this line's page has geometry
        return bbox[2] >= edge - 2 * max(6.0, bbox[3] - bbox[1])
    typical = text.typical_line_length
    return len(line.text.strip()) >= 0.9 * typical and typical >= 20


def _reason_end(text: NarrativeText, start: int, limit: int) -> int:
    """Where a reason starting at ``start`` ends: at ``limit`` (the next statement) or at a
    paragraph that starts a new item or follows a full stop on a short line."""
    s = text.text
    i = start
    while True:
        nl = s.find("\n", i, limit)
        if nl < 0:
            return limit
        if _starts_paragraph(s, nl + 1):
            return nl
        j = nl - 1  # the last non-blank character before the line end (no copy of the text)
        while j >= 0 and s[j].isspace():
            j -= 1
        prev = s[j] if j >= 0 else ""
        if prev in _SENTENCE_END and not (nl > 0 and _full_line(text, nl - 1)):
            return nl
        i = nl + 1


def _trim_reason(s: str, a: int, b: int) -> tuple[int, int]:
    """Drop surrounding blanks, a trailing "其中：" lead-in and trailing ，；."""
    while b > a:
        tail = s[a:b].rstrip()
        b = a + len(tail)
        m = re.search(r"其中\s*[:：]?$", tail)
        if m:
            b = a + m.start()
            continue
        if tail and tail[-1] in "，,；;：:\n":
            b -= 1
            continue
        break
    while a < b and s[a] in " \n":
        a += 1
    return a, b


# --- main -------------------------------------------------------------------------------------


def _statement(
    text: NarrativeText,
    index: TableRows,
    section: ChangeSection,
    kind: SubjectKind,
    subject: str,
    span: tuple[int, int],
    status: str,
    base: ComparisonBase | None = None,
    amount: Decimal | None = None,
    unit: str | None = None,
    share: Decimal | None = None,
    delta: Decimal | None = None,
    growth: Decimal | None = None,
    previous: Decimal | None = None,
) -> ChangeStatement:
    code, refs = resolve_functional(subject, index) if kind == "functional_item" else (None, [])
    if kind == "functional_item" and code is None and (code := _class_code(subject)):
        refs = index.code_refs(code)
    if kind in ("three_public_total", "three_public_item"):
        refs = index.three_public_refs(subject)
    unit = unit or "万元"
    values = {
        "code": code,
        "amount": amount,
        "amount_wan": to_wan(amount, unit),  # type: ignore[arg-type]
        "share_percent": share,
        "delta": delta,
        "delta_wan": to_wan(delta, unit),  # type: ignore[arg-type]
        "growth_percent": growth,
        "previous_amount": previous,
        "base": base,
    }
    filled = {k: v for k, v in values.items() if v is not None}
    return ChangeStatement(
        section=section,
        subject=subject,
        subject_kind=kind,
        unit=unit,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        statement_text=text.text[span[0] : span[1]].replace("\n", ""),
        table_rows=refs,
        origin={k: "rule" for k in ["section", "subject", "subject_kind", "status", *filled]},
        provenance=text.provenance(*span),
        **filled,
    )


def find_changes(text: NarrativeText, tables: list[Table], doc_kind: str | None) -> list[ChangeStatement]:
    """Every statement in ``text`` that explains an amount against last year (or states that
    an item is not arranged), with its reasons, in document order."""
    s = text.text
    index = TableRows(tables)
    sections = _sections(s)
    section_starts = [st for st, _ in sections]
    anchors = _find_anchors(s, doc_kind)
    breakdowns = _breakdowns(s)
    found: list[tuple[int, ChangeStatement, int]] = []  # (start, statement, where its reason may start)
    last_full: tuple[int, ComparisonBase | None] | None = None
    starts: list[int] = []
    for a in anchors:
        at = bisect_right(section_starts, a.start)  # sections from here on start after the anchor
        context = sections[at - 1][1] if at else None
        if a.joint:
            start = _clause_start(s, a.joint.start, section_starts[at - 1] if at else 0)
            for stmt in _joint_statements(text, index, a, start):
                found.append((start, stmt, a.end))
                starts.append(start)
            last_full = (a.end, a.base)
            continue
        if a.subject_after:
            head = _Head(start=a.start, subject=_clean_subject(s[a.subject_after[0] : a.subject_after[1]]))
        else:
            floor = section_starts[at - 1] if at else 0
            head = _find_head(s, a.start, floor)
        if not _plausible_subject(head.subject) or _RESTATEMENT.match(head.subject):
            continue
        # A comparison inside a reason ("主要原因是…比上年增加 5 万元") is not a statement.
        between = s[head.start : a.start]
        if "主要原因" in between or re.match(r"^\s*[一二三四五六七八九十]是", between):
            continue
        base = a.base
        if base is None:  # bare "增加 d 万元" in a list: only after a full comparison nearby
            if last_full is None or a.start - last_full[0] > 600 or "\n" in s[last_full[0] : a.start].strip():
                continue
            base = last_full[1]
        else:
            last_full = (a.end, base)
        section, kind = _classify(head.subject, context)
        if _side_at(breakdowns, head.start) == "支出":
            section, kind = _in_expenditure_breakdown(head.subject, section, kind)
        subject = head.subject
        if kind == "admin_operation":
            subject = "机关运行经费" if "机关运行经费" in subject else subject
        elif kind == "functional_item" and not _FUNCTIONAL.search(subject):
            subject = _class_heading(s, head.start, section_starts[at - 1] if at else 0) + subject
        elif head.amount is None and subject.endswith("预算") and not subject.endswith("支出预算"):
            subject = subject[: -len("预算")]  # "三公经费预算比上年预算…": the 预算 is the comparison's
        amount, unit, previous = head.amount, head.unit, head.previous
        start = head.start
        if amount is None and base == "年初预算":
            pair = _budget_pair(s, head.start, a.start)
            if pair:
                previous, amount, unit, start = *pair[:3], min(start, pair[3])
        if amount is None:
            hit = _previous_mention(s, subject, head.start)
            if hit:
                amount, unit = hit
        if a.subject_after:
            start = _mention_start(s, subject, head.start) or start
            if amount is None:
                # "财政拨款预算支出 a 万元，占…%。与上年相比，财政拨款支出增加 d 万元": the sentence before.
                prev = _sentence_before(s, head.start)
                if prev is not None:
                    said = _parse_head(s, prev, head.start - 1)
                    if said.amount is not None and _loose_name(said.subject) == _loose_name(subject):
                        amount, unit, start, subject = said.amount, said.unit, prev, said.subject
                        head.share = head.share if head.share is not None else said.share
        if unit is None and (amount is not None or a.delta is not None):
            # Printed without a unit: the one printed with the change, else with the paragraph's
            # other amounts; with neither, the number is not taken (a unit is never assumed).
            unit = a.delta_unit or _paragraph_unit(s, start, a.end)
        delta = a.delta if (a.delta_unit or unit) else None
        if unit is None:
            amount = None
        # Against the 年初预算, ``previous_amount`` holds the 年初预算 and ``amount`` the 决算; ``delta``
        # stays None: the template prints no difference, and the schema's delta is a printed change.
        stmt = _statement(
            text,
            index,
            section,
            kind,
            subject,
            (start, a.end),
            "unchanged" if a.unchanged else "changed",
            base=base,
            amount=amount,
            unit=unit or a.delta_unit,
            share=head.share,
            delta=delta,
            growth=a.growth,
            previous=previous,
        )
        found.append((start, stmt, a.end))
        starts.append(start)
    # A later "<subject>未安排" replaces an earlier one of the same subject.
    not_arranged: dict[str, tuple[int, ChangeStatement, int]] = {}
    for m in list(_NOT_ARRANGED.finditer(s)) + list(_CARRYOVER_NONE.finditer(s)):
        subject = _clean_subject(m["subj"])
        if not subject or re.search(r"购置|设备|车辆", subject):
            continue
        section, kind = _classify(subject, _section_at(sections, section_starts, m.start()))
        stmt = _statement(text, index, section, kind, subject, (m.start(), m.end()), "not_arranged")
        not_arranged.pop(subject, None)
        not_arranged[subject] = (m.start(), stmt, m.end())
        starts.append(m.start())
    found += not_arranged.values()
    found.sort(key=lambda f: f[0])
    starts = sorted(set(starts) | set(section_starts))
    standalone = _Standalone(list(_STANDALONE.finditer(s)))
    placed: list[tuple[int, ChangeStatement]] = []
    for start, stmt, anchor_end in found:
        if stmt.status != "not_arranged":
            _attach_reason(text, stmt, start, anchor_end, starts, standalone)
        placed.append((start, stmt))
    _attach_standalone(text, placed, standalone)
    return [stmt for _, stmt in placed]


# "（三）住房保障支出（类）" alone on its line: the class the 款/项 items below it belong to.
_CLASS_HEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）]\s*(?P<cls>[^\n（()）]{2,24}?[（(]\s*\d*\s*类\s*[)）])\s*$")


def _class_heading(text: str, pos: int, floor: int) -> str:
    """The functional class heading the 款/项 item at ``pos`` is listed under ("" if none): the
    GUIDE's subject is the full "…（类）…（款）…（项）" name."""
    found = ""
    start = floor
    while start < pos:
        end = text.find("\n", start, pos)
        end = pos if end < 0 else end
        m = _CLASS_HEADING.match(text[start:end])
        if m:
            found = squash(m["cls"])
        start = end + 1
    return found


def _side_at(breakdowns: list[tuple[int, int, str]], offset: int) -> str | None:
    """收入/支出 when ``offset`` is inside a list breaking that side's total down."""
    return next((side for a, b, side in breakdowns if a <= offset < b), None)


def _in_expenditure_breakdown(
    subject: str, section: ChangeSection, kind: SubjectKind
) -> tuple[ChangeSection, SubjectKind]:
    """Section and kind of an item of the 支出预算总计 breakdown (all funds, not only 财政拨款): a
    functional class ("社会保障和就业支出", "住房保障（类）支出") or any other expenditure item there
    (基本支出, 单位预留机动经费) is an ``expenditure`` statement."""
    if kind == "functional_item" and not re.search(r"[款项]\s*[)）]", subject):
        return "expenditure", "functional_item"
    if _class_code(subject):
        return "expenditure", "functional_item"
    return ("expenditure", kind) if section in ("other", "functional_item") else (section, kind)


def _class_code(subject: str) -> str | None:
    """The national code of a functional class named alone ("社会保障和就业支出", "一般公共服务（类）支出")."""
    name = re.sub(r"\s+|[（(]\s*\d*\s*类\s*[)）]", "", subject)
    name = re.sub(r"(预算数|预算|数)$", "", name)
    return FUNCTIONAL_CLASSES.get(name) or FUNCTIONAL_CLASSES.get(f"{name}支出")


def _joint_statements(text: NarrativeText, index: TableRows, a: _Anchor, start: int) -> list[ChangeStatement]:
    """The revenue and the expenditure statement of a joint "收、支…各增加" comparison."""
    j = a.joint
    assert j is not None
    kinds: tuple[tuple[ChangeSection, SubjectKind], ...] = (
        (("fiscal", "fiscal_total"), ("fiscal", "fiscal_total"))
        if j.fiscal
        else (("revenue", "revenue_total"), ("expenditure", "expenditure_total"))
    )
    return [
        _statement(
            text,
            index,
            section,
            kind,
            subject,
            (start, a.end),
            "unchanged" if a.unchanged else "changed",
            base=a.base,
            amount=j.amount,
            unit=j.unit,
            delta=a.delta,
            growth=a.growth,
        )
        for subject, (section, kind) in zip(j.subjects, kinds, strict=True)
    ]


class _Standalone:
    """The "X增加的主要原因是R" matches (from one ``finditer``: ordered, never overlapping), with
    their starts for bisecting."""

    def __init__(self, matches: list[re.Match[str]]) -> None:
        self.matches = matches
        self.starts = [m.start() for m in matches]

    def overlaps(self, a: int, b: int) -> bool:
        """Does a match hold ``a`` (start ≤ a < end) or ``b`` (start < b ≤ end)?"""
        i = bisect_right(self.starts, a) - 1  # the last match starting at or before a
        j = bisect_left(self.starts, b) - 1  # the last match starting before b
        return (i >= 0 and a < self.matches[i].end()) or (j >= 0 and b <= self.matches[j].end())

    def next_start(self, pos: int, default: int) -> int:
        i = bisect_right(self.starts, pos)
        return min(self.starts[i], default) if i < len(self.starts) else default


def _attach_reason(
    text: NarrativeText,
    stmt: ChangeStatement,
    start: int,
    pos: int,
    starts: list[int],
    standalone: _Standalone,
) -> None:
    """Read "主要原因是…" right after the comparison, up to the next statement or item."""
    s = text.text
    m = _REASON_INTRO.match(s, pos)
    if m is None or standalone.overlaps(m.start(), m.end()):
        return
    i = bisect_right(starts, pos)  # ``starts`` is sorted: the first start after pos
    limit = starts[i] if i < len(starts) else len(s)
    limit = standalone.next_start(pos, limit)
    a, b = _trim_reason(s, m.end(), _reason_end(text, m.end(), limit))
    if b <= a:
        return
    _set_reason(text, stmt, a, b, start)


def _set_reason(text: NarrativeText, stmt: ChangeStatement, a: int, b: int, start: int | None) -> None:
    """Fill the reason from ``text[a:b]``; a reason read in place also extends the statement
    text (which then runs from ``start`` to the end of the reason)."""
    reason = text.text[a:b].replace("\n", "")
    stmt.reason_text = reason
    stmt.reasons = split_reasons(reason, a, text)
    stmt.origin["reason_text"] = "rule"
    stmt.origin["reasons"] = "rule"
    if start is not None:
        stmt.statement_text = text.text[start:b].replace("\n", "")


def _subject_stem(subject: str) -> str:
    """``subject`` as a standalone reason names it: no spaces, no trailing 预算/决算."""
    return re.sub(r"(预算|决算)$", "", squash(subject))


def _stem_names(what: str) -> set[str]:
    """The subject stems "财政拨款收入支出" (what a standalone reason explains) names: itself, its
    收入 and 支出 halves, each also with 总计."""
    w = squash(what)
    names = {w}
    m = re.match(r"^(?P<head>.+?)收入(和|及|、)?支出(总计)?$", w)
    if m:
        names |= {f"{m['head']}收入", f"{m['head']}支出"}
    return names | {f"{n}总计" for n in names}


def _attach_standalone(
    text: NarrativeText, placed: list[tuple[int, ChangeStatement]], standalone: _Standalone
) -> None:
    """Give "X增加的主要原因是R" to the earlier statements it names that have no reason yet."""
    s = text.text
    # The changed statements still without a reason, by subject stem, in document order: each
    # reason takes those before it, so every list is consumed from its front.
    waiting: dict[str, list[tuple[int, ChangeStatement]]] = {}
    for start, stmt in placed:
        if stmt.reason_text is None and stmt.status == "changed":
            waiting.setdefault(_subject_stem(stmt.subject), []).append((start, stmt))
    taken = dict.fromkeys(waiting, 0)
    for m in standalone.matches:
        end = s.find("\n", m.end())
        a, b = _trim_reason(s, m.end(), len(s) if end < 0 else end)
        if b <= a:
            continue
        for name in _stem_names(m["what"]):
            queue = waiting.get(name, [])
            k = taken.get(name, 0)
            while k < len(queue) and queue[k][0] < m.start():
                _set_reason(text, queue[k][1], a, b, None)
                k += 1
            if queue:
                taken[name] = k
