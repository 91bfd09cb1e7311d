"""The few answers REST shapes differently from the request's reply model (the catalogue
flattened with its version, the health check): their models, for the OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from protocol.models.base import Answer
from protocol.models.catalogue import CatalogueDocument, CatalogueItem
from protocol.models.hall import Ping


class Health(Ping):
    """The hall answers and its database can be read and written."""

    status: Literal["ok"]


class FullCatalogue(CatalogueDocument):
    """The published catalogue, flattened with its version (the ETag is ``"v<version>"``)."""

    version: int
    unchanged: Literal[False]


class CatalogueUnchanged(Answer):
    """The caller has the newest version already (``have_version``)."""

    version: int
    unchanged: Literal[True]


class CatalogueAnswer(RootModel[FullCatalogue | CatalogueUnchanged]):
    """The catalogue, or word that the caller's version is the newest."""

    root: FullCatalogue | CatalogueUnchanged = Field(discriminator="unchanged")


class ItemWithVersion(CatalogueItem):
    """One service item with its guide, and the catalogue version it is from."""

    version: int
