"""One pydantic model per request body and per reply, one module per domain, and
:data:`REQUESTS`, the registry from a request type to its :class:`Spec`.

The queue server checks every body with its request model (a refusal is ``bad_request``
naming the field, in both languages: :func:`protocol.fields.field_error`); kiosks and
displays build their requests from the same models, and the OpenAPI document is generated
from them.
"""

from __future__ import annotations

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
    windows,
)

for _domain in (queue, windows, appointments, hall, catalogue, cases, certificates, feedback, pages, reports):
    clash = REQUESTS.keys() & _domain.REQUESTS.keys()
    assert not clash, f"request types registered twice: {sorted(clash)}"
    REQUESTS.update(_domain.REQUESTS)


def spec_of(type_: str) -> Spec | None:
    return REQUESTS.get(type_)


__all__ = ["REQUESTS", "Answer", "Body", "NoBody", "Part", "Spec", "spec_of"]
