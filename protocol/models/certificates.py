"""Request and reply models: electronic certificates (电子证照, ``certificate.*``): the holder's
list and self-print at a kiosk, and the public check behind a certificate's QR code."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from protocol.fields import (
    CertificateNumber,
    CheckCode,
    also_required,
    required_id_number,
)
from protocol.models.base import Answer, Body, Part, Spec

#: What a printed certificate's QR code and its printed line carry: the server gives it
#: (``queue_server.links``), the kiosk prints it as given.
_VERIFICATION_URL = (
    "the certificate's check page with its code, under the hall's public address "
    "(config/hall.yaml public.url): what the PDF's QR code encodes and its printed line shows"
)
_VERIFICATION_EXAMPLE = "https://hall.example.gov.cn/m/certificate/PHYSICIAN_LICENCE-H01-20261126-000001?code=1A2B3C4D5E"


# ------------------------------------------------------------------ requests
class CertificateList(Body):
    """The holder's valid certificates, by the ID card read at the kiosk."""

    model_config = ConfigDict(json_schema_extra=also_required("id_number"))

    id_number: required_id_number("id_number is required", "必须提供身份证号码") = Field(
        None, validate_default=True
    )


class CertificatePrint(Body):
    """A self-print of the holder's certificate at a kiosk: the number and the holder's ID card
    together open it (either wrong: as if there were no such certificate). Printing a result
    that waits for pick-up hands the case out (出件)."""

    model_config = ConfigDict(json_schema_extra=also_required("id_number"))

    number: CertificateNumber
    id_number: required_id_number("the holder's id_number is required", "必须提供持证人身份证号码") = Field(
        None, validate_default=True
    )


class CertificateVerify(Body):
    """The page a certificate's QR code opens: its number and verification code."""

    number: CertificateNumber
    code: CheckCode = Field(description="the verification code printed in the QR code (10 characters)")


# ------------------------------------------------------------------ replies
class Certificate(Part):
    """An electronic certificate (no ID data: a person's name masked; an enterprise's in full)."""

    number: str = Field(examples=["PHYSICIAN_LICENCE-H01-20261126-000001"])
    type: str = Field(description="the catalogue's e-certificate type", examples=["PHYSICIAN_LICENCE"])
    holder: str = Field(
        description="the holder: a person's name masked (王*), an enterprise's registered name in full"
    )
    department: str
    item_code: str
    case: str = Field(description="the case that issued it")
    issued_on: str = Field(examples=["2026-11-26"])
    valid_until: str | None = Field(description="null: no end")
    revoked: bool
    prints: int = Field(description="self-prints so far")


class CaseCertificate(Certificate):
    """A certificate a case issued, for the staff's case view: with the code and the URL its
    QR code opens (what a reprint at the window would carry)."""

    verification_code: str
    verification_url: str = Field(description=_VERIFICATION_URL, examples=[_VERIFICATION_EXAMPLE])


class HeldCertificates(Answer):
    """The holder's valid certificates."""

    holder: str = Field(description="the holder's ID number, masked: 1101**********002X")
    certificates: list[Certificate]


class PrintedCertificate(Certificate):
    """The certificate as printed, with what its QR code opens."""

    handed_out_case: str | None = Field(
        description="the case this print handed out (出件), if its result waited"
    )
    verification_code: str
    verification_url: str = Field(description=_VERIFICATION_URL, examples=[_VERIFICATION_EXAMPLE])


class VerifiedCertificate(Certificate):
    """The certificate behind a QR code, and whether it is valid today."""

    valid: bool = Field(description="not revoked, and today within its validity")


REQUESTS: dict[str, Spec] = {
    "certificate.list": Spec(CertificateList, HeldCertificates),
    "certificate.print": Spec(CertificatePrint, PrintedCertificate),
    "certificate.verify": Spec(CertificateVerify, VerifiedCertificate),
}
