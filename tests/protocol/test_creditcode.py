"""统一社会信用代码 (GB 32100-2015): real published codes pass, every single-character slip is
caught, and the request field refuses in both languages without quoting the code."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from protocol.creditcode import ALPHABET, check_character, is_valid, problem
from protocol.fields import CreditCode, FieldError, OptCreditCode, field_error

# Codes printed on real business licences and in the public credit register.
REAL = [
    "91350100M000100Y43",  # the standard's own worked example
    "91110000600037341L",
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
]


class Applicant(BaseModel):
    credit_code: CreditCode


class Maybe(BaseModel):
    credit_code: OptCreditCode = None


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code: str) -> None:
    assert is_valid(code) and check_character(code[:17]) == code[17]
    assert Applicant(credit_code=f" {code.lower()} ").credit_code == code  # typed in lower case, with spaces


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_slip_is_caught(code: str) -> None:
    # Weights 3^i mod 31 are all non-zero mod the prime 31: any one wrong character changes the sum.
    for i in range(18):
        for ch in ALPHABET:
            if ch != code[i]:
                wrong = code[:i] + ch + code[i + 1 :]
                assert not is_valid(wrong), wrong


def test_letters_outside_the_alphabet_and_wrong_lengths_are_refused() -> None:
    code = REAL[0]
    for letter in "IOSVZ":
        assert problem(code[:9] + letter + code[10:]) is not None
    assert problem(code[:17]) == ("it has 18 characters", "应为18位")
    assert problem("91350100M000100Y4３") is not None  # a full-width digit


def test_the_field_refuses_in_both_languages_without_quoting_the_code() -> None:
    wrong = REAL[2][:17] + "7"
    with pytest.raises(ValidationError) as refused:
        Applicant(credit_code=wrong)
    err = field_error(refused.value)
    assert isinstance(err, FieldError) and err.field == "credit_code"
    assert "check character" in err.message and "校验位" in err.message_zh and "营业执照" in err.message_zh
    assert wrong not in err.message and wrong not in err.message_zh
    with pytest.raises(ValidationError) as missing:
        Applicant(credit_code="")
    assert field_error(missing.value).message == "credit_code is required"
    assert Maybe(credit_code="").credit_code is None
