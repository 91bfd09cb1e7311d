"""One pydantic model per request body and per reply, one module per domain, and
:data:`REQUESTS`, the registry from a request type to its :class:`Spec`.

The queue server checks every body with its request model (a refusal is ``bad_request``
naming the field, in both languages: :func:`protocol.fields.field_error`); kiosks and
displays build their requests from the same models, and the OpenAPI document is generated
from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from protocol.fields import field_error
from protocol.models.base import Answer, Body, NoBody, Part, Spec

#: request type → its models. Filled by the domain modules' own ``REQUESTS``.
REQUESTS: dict[str, Spec] = {}


# The domains, each with its own table. They build on ``base`` and ``protocol.fields``, and a
# domain may reuse another's parts (a check-in answers with the ticket of ``queue``).
from protocol.models import (  # noqa: E402
    appointments,
    cases,
    catalogue,
    certificates,
    feedback,
    hall,
    pages,
    queue,
    reports,
    setup,
    visitors,
    windows,
)

for _domain in (queue, windows, appointments, hall, catalogue, cases, certificates, feedback, pages, reports, setup, visitors):
    clash = REQUESTS.keys() & _domain.REQUESTS.keys()
    assert not clash, f"request types registered twice: {sorted(clash)}"
    REQUESTS.update(_domain.REQUESTS)


def spec_of(type_: str) -> Spec | None:
    return REQUESTS.get(type_)


def request_body(type_: str, body: Body | Mapping[str, Any] | None) -> dict[str, Any]:
    """The JSON body of a ``type_`` request, checked by its model on the sender's side: a
    model instance as it was built, or a dict validated now and given back normalised (codes
    upper-cased, blanks dropped), only with the fields it had. A body the model refuses raises
    :class:`protocol.fields.FieldError` in the server's own words, before anything is sent.
    A type without a model is sent as it is (the server answers ``unknown_type``)."""
    spec = REQUESTS.get(type_)
    if isinstance(body, Body):
        if spec is not None and not isinstance(body, spec.request):
            raise TypeError(f"{type_} takes a {spec.request.__name__}, not a {type(body).__name__}")
        return body.model_dump(mode="json", exclude_unset=True)
    if spec is None:
        return dict(body or {})
    try:
        return spec.request.model_validate(body or {}).model_dump(mode="json", exclude_unset=True)
    except ValidationError as e:
        raise field_error(e) from None


__all__ = ["REQUESTS", "Answer", "Body", "NoBody", "Part", "Spec", "request_body", "spec_of"]
