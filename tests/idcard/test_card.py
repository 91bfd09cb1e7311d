"""Card text parsing for the three layouts, validation, expiry and display masking."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from idcard.card import CardKind, IdCard, encode_text, parse_card
from idcard.cardfile import load_card, sample, sample_cards
from idcard.errors import CardDataError, InvalidCardError, UnsupportedCardType

TODAY = dt.date(2026, 6, 1)


def roundtrip(card: IdCard) -> IdCard:
    return parse_card(encode_text(card), card.photo.data, card.fingerprint, today=TODAY)


def ucs2_at(text: bytes, offset: int, size: int) -> str:
    return text[offset : offset + size].decode("utf-16-le").strip()


def test_samples_cover_the_required_cards() -> None:
    cards = [load_card(p) for p in sample_cards()]
    kinds = {c.kind for c in cards}
    assert kinds == {CardKind.RESIDENT, CardKind.HMT_PERMIT, CardKind.FOREIGN_PERMANENT}
    assert any(c.kind is CardKind.RESIDENT and c.long_term for c in cards)
    assert any(c.is_expired(TODAY) for c in cards)
    for card in cards:
        assert card.problems(TODAY) == [], card


def test_resident_card_fields_at_documented_offsets() -> None:
    card = sample("resident_long_term")
    text = encode_text(card)
    assert len(text) == 256
    assert ucs2_at(text, 0, 30) == "李文静"
    assert ucs2_at(text, 30, 2) == "2"
    assert ucs2_at(text, 32, 4) == "01"
    assert ucs2_at(text, 36, 16) == "19620514"
    assert ucs2_at(text, 122, 36) == "110105196205140024"
    assert ucs2_at(text, 204, 16) == "长期"
    assert text[248:250] == b" \x00"  # blank type flag: resident card
    parsed = roundtrip(card)
    assert parsed == card
    assert (parsed.sex, parsed.sex_en, parsed.nation) == ("女", "female", "汉")
    assert parsed.birth == dt.date(1962, 5, 14)
    assert parsed.valid_to is None and parsed.status(TODAY) == "valid"
    assert parsed.address.startswith("北京市朝阳区")


def test_expired_card_is_reported_expired_not_invalid() -> None:
    card = roundtrip(sample("resident_expired"))
    assert card.valid_to == dt.date(2020, 8, 15)
    assert card.is_expired(TODAY) and card.status(TODAY) == "expired"
    assert card.to_dict(today=TODAY)["expired"] is True
    assert card.nation == "回"


def test_hmt_permit_layout() -> None:
    card = sample("hmt_permit_J")
    text = encode_text(card)
    assert text[248:250] == "J".encode("utf-16-le")
    assert ucs2_at(text, 32, 4) == ""  # no nation on a permit
    assert ucs2_at(text, 220, 18) == "H12345678"
    assert ucs2_at(text, 238, 4) == "01"
    parsed = roundtrip(card)
    assert parsed.kind is CardKind.HMT_PERMIT
    assert parsed.pass_number == "H12345678" and parsed.issue_count == 1
    assert parsed.id_number.startswith("81")


def test_foreign_permanent_layout() -> None:
    card = sample("foreign_permanent_I")
    text = encode_text(card)
    assert ucs2_at(text, 0, 120) == "MUSTERFRAU, ANNA MARIA"
    assert ucs2_at(text, 122, 30) == "DEU110090052801"
    assert ucs2_at(text, 152, 6) == "DEU"
    assert ucs2_at(text, 158, 30) == "安娜"
    assert ucs2_at(text, 220, 16) == "19900528"
    assert ucs2_at(text, 236, 4) == "01"
    assert ucs2_at(text, 240, 8) == "1500"
    assert text[248:250] == "I".encode("utf-16-le")
    parsed = roundtrip(card)
    assert parsed.kind is CardKind.FOREIGN_PERMANENT
    assert (parsed.english_name, parsed.nationality, parsed.birth) == (
        "MUSTERFRAU, ANNA MARIA",
        "DEU",
        dt.date(1990, 5, 28),
    )


def test_wrong_check_digit_makes_a_bad_card() -> None:
    card = replace(sample("resident_long_term"), id_number="110105196205140025")
    with pytest.raises(InvalidCardError) as info:
        roundtrip(card)
    assert any("校验码" in p for p in info.value.problems)
    # Non-strict parsing still gives the fields, with the problems listed.
    loose = parse_card(encode_text(card), card.photo.data, strict=False, today=TODAY)
    assert loose.problems(TODAY)


def test_birth_date_must_match_the_id_number() -> None:
    card = replace(sample("resident_long_term"), birth=dt.date(1962, 5, 15))
    with pytest.raises(InvalidCardError, match="birth date differs"):
        roundtrip(card)


def test_sex_must_match_the_sequence_parity() -> None:
    card = replace(sample("resident_long_term"), sex_code="1")
    with pytest.raises(InvalidCardError, match="sex differs"):
        roundtrip(card)


def test_impossible_printed_date_is_card_data_error() -> None:
    text = bytearray(encode_text(sample("resident_expired")))
    text[204:220] = "20200231".encode("utf-16-le")
    with pytest.raises(CardDataError, match="impossible date"):
        parse_card(bytes(text), bytes(1024))


def test_2023_foreign_card_is_unsupported_with_a_clear_message() -> None:
    text = bytearray(encode_text(sample("resident_long_term")))
    text[248:250] = "Y".encode("utf-16-le")
    with pytest.raises(UnsupportedCardType, match="2023"):
        parse_card(bytes(text), bytes(1024))


def test_json_output_masks_numbers_unless_revealed() -> None:
    card = sample("hmt_permit_J")
    masked = card.to_dict(today=TODAY)
    assert masked["id_number"] == "8100**********0021"
    assert masked["pass_number"] == "H1*****78"  # 9 characters: 4+4 would show nearly all
    assert "810000199408230021" not in repr(card) and "810000199408230021" not in str(masked)
    assert card.to_dict(reveal=True, today=TODAY)["id_number"] == "810000199408230021"


def test_repr_keeps_personal_data_out_of_logs() -> None:
    card = sample("resident_long_term")
    text = repr(card)
    assert "李文静" not in text and "110105196205140024" not in text and "1101**********0024" in text
