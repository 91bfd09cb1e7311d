"""Item search for the on-screen keyboard, on the demo hall's real item names."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.itemsearch import Candidate, Rank, SearchIndex


@pytest.fixture(scope="module")
def index(_demo_document: dict[str, Any]) -> SearchIndex:
    return SearchIndex.from_document(_demo_document)


def codes(index: SearchIndex, query: str, **kw: Any) -> list[str]:
    return [h.code for h in index.search(query, **kw)]


def test_index_holds_every_item(index: SearchIndex, _demo_document: dict[str, Any]) -> None:
    assert len(index) == len(_demo_document["items"]) > 30


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("社会保障卡", "C-SB-002"),  # Chinese substring, name start
        ("公积金", "C-GJ-001"),  # Chinese substring inside the name
        ("shehuibaozhang", "C-SB-002"),  # full pinyin
        ("she hui bao zhang", "C-SB-002"),  # with spaces between syllables
        ("shehuibaoxian", "E-SB-001"),  # 单位社会保险登记: inside the name
        ("shbx", "E-SB-001"),  # initials
        ("shbzk", "C-SB-002"),  # initials, sh as one letter each
        ("shehuibz", "C-SB-002"),  # full then initials
        ("gongjijin", "C-GJ-001"),
        ("gjj", "C-GJ-001"),
        ("dibao", "C-MZ-001"),  # 最低生活保障: abbreviation with a gap
        ("zhuanxue", "C-JY-001"),
        ("ZHUANXUE", "C-JY-001"),  # case does not matter
        ("C-SB-002", "C-SB-002"),  # the code
        ("c-sb-002", "C-SB-002"),
        ("sb002", "C-SB-002"),
        ("social security card", "C-SB-002"),  # English words
        ("Physician", "C-WJ-002"),
        ("patent", "E-ZC-001"),
    ],
)
def test_first_hit(index: SearchIndex, query: str, first: str) -> None:
    assert codes(index, query)[0] == first


def test_abbreviation_shebao_finds_social_security(index: SearchIndex) -> None:
    # 社保 is said for 社会保障 / 社会保险: syllables in order with a gap
    for query in ("shebao", "she bao", "社保"):
        assert codes(index, query)[:2] == ["C-SB-002", "E-SB-001"], query
        assert index.search(query)[0].rank is Rank.FUZZY


def test_sb_finds_the_social_security_codes_first(index: SearchIndex) -> None:
    hits = codes(index, "sb")
    assert {"C-SB-001", "C-SB-002", "C-SB-003", "C-SB-004"} <= set(hits[:5])


def test_a_typed_syllable_stands_for_itself_not_a_longer_one(index: SearchIndex) -> None:
    # "she" + "bao" must not read as 申(shen) 报(bao) in 防止返贫监测对象申报
    assert "C-FP-001" not in codes(index, "shebao")
    # ...but the last syllable is still being typed: "shen" finds 申请 and 生育 (sheng)
    assert "C-WJ-001" in codes(index, "shen", limit=40)


def test_polyphones_every_reading_is_indexed(index: SearchIndex) -> None:
    # 卡 is ka in 社会保障卡 but also qia; a visitor typing either finds it
    assert codes(index, "shehuibaozhangka")[0] == "C-SB-002"
    assert "C-SB-002" in codes(index, "qia")


def test_usual_reading_ranks_above_a_rare_one(index: SearchIndex) -> None:
    # yibao: 医(yi)疗保险 rather than 失(yì, rare reading of 失)业保险
    assert codes(index, "yibao")[0] == "C-YB-001"


def test_ranking_name_start_before_inside(index: SearchIndex) -> None:
    hits = index.search("社会")
    assert hits[0].code == "C-SB-002" and hits[0].rank is Rank.PREFIX  # 社会保障卡申领
    assert {h.code for h in hits[1:]} == {"C-WT-001", "E-SB-001"}
    assert all(h.rank is Rank.SUBSTRING for h in hits[1:])


def test_exact_name_and_code(index: SearchIndex) -> None:
    assert index.search("失业登记")[0].rank is Rank.EXACT
    assert index.search("shiyedengji")[0].code == "C-RS-001"
    assert index.search("shiyedengji")[0].rank is Rank.EXACT
    assert index.search("E-DJ-002")[0].rank is Rank.EXACT


def test_stream_filter_and_limit(index: SearchIndex) -> None:
    assert codes(index, "dengji", stream="enterprise")
    assert all(c.startswith("E-") for c in codes(index, "dengji", stream="enterprise"))
    assert all(c.startswith("C-") for c in codes(index, "dengji", stream="citizen"))
    assert len(index.search("s", limit=3)) == 3
    assert index.search("s", limit=0) == []


def test_nothing_for_empty_or_unknown(index: SearchIndex) -> None:
    assert index.search("") == []
    assert index.search("   ") == []
    assert index.search("qqqq") == []
    assert index.search("火箭") == []


def test_hit_carries_what_a_list_row_shows(index: SearchIndex) -> None:
    hit = index.search("C-SB-002")[0]
    assert (hit.name_zh, hit.name_en, hit.stream, hit.theme) == (
        "社会保障卡申领", "Application for a social security card", "citizen", "social_security",
    )


def test_candidates_spell_phrases_like_an_input_method(index: SearchIndex) -> None:
    assert index.candidates("shehuib") == [Candidate("社会保", ("C-SB-002", "E-SB-001"))]
    yl = index.candidates("yl")
    assert yl[0].phrase == "养老" and "C-SB-001" in yl[0].codes
    assert "医疗" in [c.phrase for c in yl]
    # name starts first: 失业登记 / 失业保险金申领 start with 失 (shi)
    assert index.candidates("sh")[0].phrase == "失"
    assert len(index.candidates("s", limit=3)) == 3
    assert index.candidates("") == [] and index.candidates("sb002") == []


def test_candidates_respect_the_stream(index: SearchIndex) -> None:
    phrases = [c.phrase for c in index.candidates("dj", stream="enterprise")]
    assert "登记" in phrases
    assert all(code.startswith("E-") for c in index.candidates("dj", stream="enterprise") for code in c.codes)


def test_next_letters(index: SearchIndex) -> None:
    # after shehuib: 保(bao) goes on with a; or the next syllable: 障(zhang) / 险(xian)
    assert index.next_letters("shehuib") == frozenset("axz")
    assert "q" not in index.next_letters("shehuibao")
    assert index.next_letters("qqq") == frozenset()
    assert {"s", "g", "y"} <= index.next_letters("")
