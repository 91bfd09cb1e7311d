"""What every request and reply model shares, and :class:`Spec`, the pair a request type
is registered with."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body. Fields it does not name are ignored, leaving room for additions within
    version 1 of the wire (an older server takes a newer kiosk's request)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Answer(BaseModel):
    """A reply body: exactly what the server promises. Extra fields are refused, so the test
    suite, which checks every reply it sees against its model, finds any the model misses."""

    model_config = ConfigDict(extra="forbid")


class Part(Answer):
    """A part of a reply (a ticket, a case step, a slot): exactly these fields."""


class NoBody(Body):
    """A request that takes no fields."""


@dataclass(frozen=True, slots=True)
class Spec:
    """A request type's models: what its body must be, and what its reply is."""

    request: type[Body]
    reply: type[Answer]
