"""Search terms: Chinese runs as characters and pairs, plurals, case, width, length."""

from __future__ import annotations

from portal.core import terms


def test_terms_index_chinese_as_characters_and_pairs():
    indexed = terms.index_terms("延长自习室开放时间到午夜").split()
    assert {"自习", "习室", "午夜", "开放", "延", "夜"} <= set(indexed)
    assert "延长自习室开放时间到午夜" not in indexed
    assert len(indexed) == len(set(indexed))


def test_terms_query_a_chinese_word_by_its_pairs():
    assert terms.query("自习室").terms == ("自习", "习室")
    assert terms.query("书").terms == ("书",)
    assert not terms.query("自习室").prefix


def test_terms_split_mixed_text_into_words_and_chinese_pairs():
    assert terms.index_terms("Open 自习室 at midnight").split() == [
        "open",
        "自",
        "习",
        "室",
        "自习",
        "习室",
        "at",
        "midnight",
    ]
    assert terms.query("24小时library").terms == ("24", "小时", "library")


def test_terms_fold_case_width_and_plurals_the_same_way_on_both_sides():
    assert terms.index_terms("ＱＵＩＥＴ Libraries Rooms") == "quiet library room"
    q = terms.query("quiet LIBRARIES")
    assert q.terms == ("quiet", "library") and q.prefix
    assert terms.matches(q, terms.index_terms("The library is quiet"))


def test_terms_last_word_is_a_prefix_only_when_long_enough_and_not_chinese():
    assert terms.query("quiet stu").prefix
    assert not terms.query("quiet st").prefix
    assert not terms.query("quiet 午夜").prefix


def test_terms_leave_out_punctuation_operators_and_cut_long_words():
    assert not terms.query('"*:() NEAR'.replace("NEAR", ""))
    assert terms.query('NEAR(a b) "x" title:y').terms == ("near", "a", "b", "x", "title", "y")
    assert terms.index_terms("x" * 10_000) == "x" * terms.LONGEST
    assert len(terms.query("word " * 100 + "z" * 5000).terms) <= terms.MOST_QUERY_TERMS
