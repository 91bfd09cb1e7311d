"""``certificate.*``: electronic certificates (电子证照): the holder's list and self-print at a
kiosk, and the public check a certificate's QR code opens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol.models.certificates import (
    CertificateList,
    CertificatePrint,
    CertificateVerify,
)

from .. import throttle
from ..auth import AccessRole
from ..cases import CaseState, Certificate, Channel, Role, Where
from ..engine.errors import EngineError, not_found
from ..privacy import mask
from ..throttle import same_secret
from .codes import certificate_code
from .registry import handler
from .views import certificate_view

if TYPE_CHECKING:
    from ..auth import Actor
    from .context import HallContext


@handler("certificate.list", role=AccessRole.KIOSK, desk=True)
def certificate_list(ctx: HallContext, req: CertificateList, actor: Actor, now: float) -> dict[str, Any]:
    """The holder's valid certificates (ID card read at the kiosk)."""
    certs = ctx.cases.certificates_of(ctx.privacy.lookup_hash(req.id_number), ctx.today(now))
    return {"holder": mask(req.id_number), "certificates": [certificate_view(c) for c in certs]}


@handler("certificate.print", role=AccessRole.KIOSK, mutates=True, desk=True)
def certificate_print(ctx: HallContext, req: CertificatePrint, actor: Actor, now: float) -> dict[str, Any]:
    """A self-print of the holder's certificate (counted); with the verification code for the QR."""
    number, raw = req.number, req.id_number
    store = ctx.cases
    try:
        found: Certificate | None = store.certificate(number)
    except EngineError as e:
        if e.code != "not_found":
            raise
        found = None
    # Number and holder's ID together open the print; an unknown number counts as wrong too.
    ok = found is not None and same_secret(found.holder_hash, ctx.privacy.lookup_hash(raw))
    throttle.check(ctx.budget, actor, ok)
    if not ok or found is None:
        raise not_found("certificate", "电子证照", number)  # not the holder's: as if none
    cert = found
    prints = store.record_print(number, hall=ctx.hall, kiosk=actor.name, now=now)
    # The self-print is the hand-out of a case whose result waits (出件 at the kiosk).
    handed_out = None
    if store.summary(cert.case).state is CaseState.RESULT_READY:
        where = Where(mask(raw), Role.APPLICANT, Channel.KIOSK, ctx.hall)
        store.hand_out(cert.case, where, now)
        handed_out = cert.case
    verification = certificate_code(ctx, number)
    return {
        **certificate_view(cert),
        "prints": prints,
        "handed_out_case": handed_out,
        "verification_code": verification,
        # The PDF's QR code and printed line: the kiosk prints this URL as given.
        "verification_url": ctx.links.certificate(number, verification),
    }


@handler("certificate.verify", desk=True)
def certificate_verify(ctx: HallContext, req: CertificateVerify, actor: Actor, now: float) -> dict[str, Any]:
    """The page a certificate's QR code opens: number plus verification code."""
    number, given = req.number, req.code
    try:
        cert: Certificate | None = ctx.cases.verify_certificate(number, given)
    except EngineError as e:
        if e.code != "not_found":
            raise
        cert = None
    throttle.check(ctx.budget, actor, cert is not None)
    if cert is None:
        raise not_found("certificate", "电子证照", number)
    return {**certificate_view(cert), "valid": cert.valid_on(ctx.today(now))}

