"""Search of service items by name, pinyin, English or code: the kiosk's take-a-number keyboard
and the phone's guides and booking pages (shared here, so the server need not import the kiosk).

Visitors find an item by typing part of its Chinese name (社会保障), its pinyin without tones
in full (``shehuibaozhang``, ``she hui``) or by initials (``shbz``), a mix of both (``shehuibz``),
a common abbreviation (``shebao`` / 社保 for 社会保障: syllables in order with short gaps), English
words (``social card``) or the item code (``C-SB-002``, ``sb002``).

Everything that depends only on the catalogue is computed once in :class:`SearchIndex`
(readings per character, first letters per syllable, English words, normalised codes), so one
query over a hall's few dozen items costs well under a millisecond.

Polyphonic characters (多音字): every reading pypinyin knows for a character is indexed, plus the
reading it has in context, so 卡 matches both ``ka`` and ``qia``; a visitor who types either
finds the item. A wrong extra reading only adds a low-ranked hit, a missing one loses the item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pypinyin import Style, lazy_pinyin, pinyin

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
MAX_GAP = 3
"""Syllables an abbreviation may skip between two typed syllables (最低生活保障 -> 低保 skips 3)."""
DEFAULT_LIMIT = 8


class Rank(IntEnum):
    """How well an item matched; lower is better."""

    EXACT = 0  # the whole code, name, pinyin or initials
    PREFIX = 1  # the name, pinyin, initials or code starts with the query
    SUBSTRING = 2  # somewhere inside, on syllable or word boundaries
    FUZZY = 3  # syllables or characters in order with gaps (社保, shebao)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result, ready for a list row."""

    code: str
    name_zh: str
    name_en: str
    stream: str
    theme: str
    rank: Rank


@dataclass(frozen=True, slots=True)
class Candidate:
    """A phrase for the candidate bar: the characters the typed letters spell, in some item."""

    phrase: str
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    order: int
    hit: tuple[str, str, str, str, str]  # code, zh, en, stream, theme
    zh: str
    en: str
    en_words: tuple[str, ...]
    code: str  # normalised: c-sb-001 -> csb001
    readings: tuple[tuple[str, ...], ...]  # per CJK character: every reading
    usual: tuple[tuple[str, ...], ...]  # per CJK character: the reading in context only
    char_at: tuple[int, ...]  # index in zh of each syllable
    starts: Mapping[str, tuple[int, ...]]  # first letter -> syllables starting with it
    letters: frozenset[str]


def _readings(name: str) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    """Readings (toneless, ``v`` for ü plus a ``u`` spelling) of each CJK character of ``name``."""
    context = lazy_pinyin(name, style=Style.NORMAL)
    every = pinyin(name, style=Style.NORMAL, heteronym=True)
    out: list[tuple[str, ...]] = []
    where: list[int] = []
    # lazy_pinyin and pinyin give one entry per character for CJK text, but glue runs of other
    # characters together; walk the name and keep the two aligned on CJK characters only.
    if len(context) != len(name) or len(every) != len(name):
        context = [lazy_pinyin(ch, style=Style.NORMAL)[0] for ch in name]
        every = [pinyin(ch, style=Style.NORMAL, heteronym=True)[0] for ch in name]
    for index, ch in enumerate(name):
        if not _CJK.match(ch):
            continue
        forms: list[str] = []
        for r in (context[index], *every[index]):
            for spelling in (r, r.replace("v", "u")):
                if spelling.isalpha() and spelling not in forms:
                    forms.append(spelling)
        if forms:
            out.append(tuple(forms))
            where.append(index)
    return tuple(out), tuple(where)


def _entry(order: int, item: Mapping[str, Any]) -> _Entry:
    name = item.get("name") or {}
    zh, en = str(name.get("zh", "")), str(name.get("en", ""))
    readings, char_at = _readings(zh)
    starts: dict[str, list[int]] = {}
    for i, forms in enumerate(readings):
        for first in {f[0] for f in forms}:
            starts.setdefault(first, []).append(i)
    usual = tuple(tuple(f for f in forms[:2] if f in (forms[0], forms[0].replace("v", "u"))) for forms in readings)
    code = str(item["code"])
    return _Entry(
        order=order,
        hit=(code, zh, en, str(item.get("stream", "")), str(item.get("theme", ""))),
        zh=zh,
        en=en.lower(),
        en_words=tuple(_WORD.findall(en.lower())),
        code=_NOT_ALNUM.sub("", code.lower()),
        readings=readings,
        usual=usual if usual != readings else readings,
        char_at=char_at,
        starts={k: tuple(v) for k, v in starts.items()},
        letters=frozenset("".join(f for forms in readings for f in forms)),
    )


_DOUBLE_INITIALS = ("zh", "ch", "sh")


def _initial(form: str) -> int:
    """Length of the initial a visitor may type alone for ``form``: 2 for zh/ch/sh, else 1."""
    return 2 if form.startswith(_DOUBLE_INITIALS) else 1


def _spellings(
    readings: tuple[tuple[str, ...], ...], start: int, q: str, max_gap: int
) -> Iterator[tuple[int, str, int]]:
    """Ways to spell ``q`` from syllable ``start``: (last syllable, its form, letters taken of it).

    Each syllable is typed in full, by its initial (``s`` or ``sh`` for 社), or, only for the
    last one (still being typed), by any prefix; so ``she`` in ``shebao`` cannot stand for
    申 (shen). With ``max_gap`` > 0 up to that many syllables may be skipped between two typed
    ones. Depth-first with a visited set: at most syllables × letters states.
    """
    n, end = len(readings), len(q)
    stack = [(start, 0)]
    seen: set[tuple[int, int]] = set()
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        for form in readings[i]:
            m = 0
            limit = min(len(form), end - j)
            while m < limit and form[m] == q[j + m]:
                m += 1
            if m == 0:
                continue
            if j + m == end:
                yield i, form, m
            for taken in {len(form), _initial(form), 1}:
                if taken <= m and j + taken < end:
                    for nxt in range(i + 1, min(n, i + 2 + max_gap)):
                        stack.append((nxt, j + taken))


def _pinyin_match(
    readings: tuple[tuple[str, ...], ...], e: _Entry, q: str, fuzzy: bool
) -> tuple[Rank, int, int] | None:
    """(rank, first syllable, last syllable) of the best consecutive (else fuzzy) spelling."""
    if not q or not e.letters.issuperset(q):
        return None
    starts = e.starts.get(q[0], ())
    for s in starts:
        for last, _, _ in _spellings(readings, s, q, 0):
            if s == 0:
                return (Rank.EXACT if last == len(readings) - 1 else Rank.PREFIX), s, last
            return Rank.SUBSTRING, s, last
    if fuzzy:
        for s in starts:
            for last, _, _ in _spellings(readings, s, q, MAX_GAP):
                return Rank.FUZZY, s, last
    return None


def _best_pinyin(e: _Entry, q: str, fuzzy: bool) -> tuple[Rank, int, int, int] | None:
    """(rank, 0 or 1, first, last): the reading in context wins a tie over another reading.

    So ``yibao`` ranks 医疗保险 (yi) above 失业保险 (失 read yì, a rare reading). Every reading
    is tried first: what they cannot spell the usual ones cannot either, and that is most items."""
    m = _pinyin_match(e.readings, e, q, fuzzy)
    if m is None:
        return None
    if e.usual is not e.readings:
        u = _pinyin_match(e.usual, e, q, fuzzy)
        if u is None or u[0] > m[0]:
            return m[0], 1, m[1], m[2]
        m = u
    return m[0], 0, m[1], m[2]


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


class SearchIndex:
    """Items of a catalogue, indexed once for name, pinyin, English and code search."""

    def __init__(self, items: Iterable[Mapping[str, Any]]) -> None:
        """``items`` in the catalogue document's shape (``code``, ``name.zh/en``, ``stream``, ``theme``)."""
        self._entries = tuple(_entry(i, item) for i, item in enumerate(items))

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SearchIndex:
        """The index of a catalogue document (``Catalogue.to_document()`` / ``catalogue.get``)."""
        return cls(document.get("items") or ())

    def __len__(self) -> int:
        return len(self._entries)

    # ------------------------------------------------------------------ search
    def search(self, query: str, *, stream: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """Items matching ``query``, best first, at most ``limit``; only ``stream``'s if given.

        Ties keep the catalogue's order, so the list a visitor sees is stable while typing.
        An empty query finds nothing (the screen shows its theme list instead)."""
        q = query.strip().lower()
        if not q or limit <= 0:
            return []
        scored: list[tuple[tuple[int, int, int], int, _Entry]] = []
        for e in self._entries:
            if stream is not None and e.hit[3] != stream:
                continue
            score = self._score(e, q)
            if score is not None:
                scored.append((score, e.order, e))
        scored.sort(key=lambda s: s[:2])
        return [Hit(*e.hit, rank=Rank(score[0])) for score, _, e in scored[:limit]]

    @staticmethod
    def _score(e: _Entry, q: str) -> tuple[int, int, int] | None:
        """(rank, 1 if only a rare reading matched, position): lower is better."""
        if _CJK.search(q):
            zh = q.replace(" ", "")
            if zh == e.zh:
                return Rank.EXACT, 0, 0
            at = e.zh.find(zh)
            if at >= 0:
                return (Rank.PREFIX if at == 0 else Rank.SUBSTRING), 0, at
            return (Rank.FUZZY, 0, 0) if len(zh) > 1 and _subsequence(zh, e.zh) else None
        found: list[tuple[int, int, int]] = []
        letters = _NOT_ALNUM.sub("", q)
        if letters == e.code:
            return Rank.EXACT, 0, 0
        # one letter (c, e) would put every item of a stream first: codes need two or more
        at = e.code.find(letters) if len(letters) > 1 else -1
        if at >= 0:
            found.append(((Rank.PREFIX if at == 0 else Rank.SUBSTRING), 0, at))
        if letters.isalpha():
            m = _best_pinyin(e, letters, fuzzy=True)
            if m is not None:
                found.append((m[0], m[1], m[2]))
        words = _WORD.findall(q)
        if e.en == q:
            return Rank.EXACT, 0, 0
        if words and e.en.startswith(q):
            found.append((Rank.PREFIX, 0, 0))
        elif words and all(any(w.startswith(word) for w in e.en_words) for word in words):
            found.append((Rank.SUBSTRING, 0, 0))
        return min(found) if found else None

    # ------------------------------------------------------- candidate bar
    def candidates(self, prefix: str, *, stream: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Candidate]:
        """Chinese phrases the pinyin typed so far spells, for the keyboard's candidate bar.

        ``shehuib`` gives 社会保 (the characters of 社会保障 and 社会保险 it spells); tapping one
        puts the phrase in the search box, so the bar works like an input method limited to
        the hall's own items. Phrases that start a name come first; each lists the codes of
        the items it occurs in. Only consecutive spellings count: a phrase with gaps is not a
        phrase."""
        q = _NOT_ALNUM.sub("", prefix.lower())
        if not q.isalpha() or limit <= 0:
            return []
        found: list[tuple[int, int, int, int, str, str]] = []
        for e in self._entries:
            if stream is not None and e.hit[3] != stream:
                continue
            m = _best_pinyin(e, q, fuzzy=False)
            if m is not None:
                rank, other, first, last = m
                phrase = e.zh[e.char_at[first]:e.char_at[last] + 1]
                found.append((max(rank, Rank.PREFIX), other, first, e.order, phrase, e.hit[0]))
        found.sort()
        phrases: dict[str, list[str]] = {}
        for *_, phrase, code in found:
            phrases.setdefault(phrase, []).append(code)
        return [Candidate(p, tuple(codes)) for p, codes in list(phrases.items())[:limit]]

    def next_letters(self, prefix: str, *, stream: str | None = None) -> frozenset[str]:
        """Letters that, typed after ``prefix``, still spell part of some item's pinyin.

        The keyboard can dim the other keys, so a visitor does not type their way into "no
        result". Consecutive spellings only, like :meth:`candidates`."""
        q = _NOT_ALNUM.sub("", prefix.lower())
        out: set[str] = set()
        if q and not q.isalpha():
            return frozenset()
        for e in self._entries:
            if stream is not None and e.hit[3] != stream:
                continue
            if not q:
                out.update(e.starts)
                continue
            if not e.letters.issuperset(q):
                continue
            n = len(e.readings)
            for s in e.starts.get(q[0], ()):
                for last, form, taken in _spellings(e.readings, s, q, 0):
                    if taken < len(form):
                        out.add(form[taken])
                    if taken in (len(form), _initial(form), 1) and last + 1 < n:
                        out.update(f[0] for f in e.readings[last + 1])
        return frozenset(out)
