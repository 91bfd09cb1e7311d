"""Request and reply models: the service catalogue (事项目录, ``catalogue.*``).

The catalogue travels as the document ``Catalogue.to_document()`` writes (the shape of the
YAML file, every key present): the reply models below describe it. A published document is
checked by the catalogue's own loader (``queue_server/catalogue/``), which reports every
problem at once; the request model only takes it as an object.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from protocol.fields import Bilingual, FieldError, integer
from protocol.models.base import Answer, Body, Part, Spec

Tier = Literal["on_the_spot", "within_5_days", "halved"]
FieldKind = Literal["text", "phone", "date", "choice", "address"]
PrefillFrom = Literal["name", "address", "phone", "birth"]


# ------------------------------------------------------------------ the document
class CatalogueDepartment(Part):
    code: str = Field(examples=["hrss"])
    name: Bilingual
    phone: str
    address: Bilingual


class CertificateType(Part):
    """A type of e-certificate (电子证照) the hall can check by number."""

    code: str = Field(examples=["physician_licence"])
    name: Bilingual
    issuer: str = Field(description="the issuing department's code")


class Limits(Part):
    """Time limits in working days (工作日) and the 三四三 tier they place the item in."""

    statutory_days: int
    promised_days: int
    tier: Tier


class ItemFlags(Part):
    self_service: bool = Field(description="may be done at a self-service kiosk (自助办理)")
    commitment: bool = Field(description="commitment-based approval (告知承诺) is allowed")
    online: bool = Field(description="fully online handling (全程网办) is allowed")
    new_entity: bool = Field(
        False, description="founds the enterprise (设立登记): the founder applies by ID card, no credit code yet"
    )


class GuideMaterial(Part):
    """An application material (申请材料)."""

    code: str = Field(examples=["id_card"])
    name: Bilingual
    copies: int
    original: bool
    required: bool
    note: Bilingual | None
    e_certificate: str | None = Field(
        description="the e-certificate type that replaces it when the hall can check it"
    )


class GuideForm(Part):
    """A downloadable form (表格下载)."""

    name: Bilingual
    file: str = Field(description="relative to the hall's document folder")


class GuideSample(Part):
    """A filled-in example with its common mistakes (示范文本及常见错误示例)."""

    name: Bilingual
    file: str
    common_errors: list[Bilingual]


class GuideFees(Part):
    basis: Bilingual
    standard: Bilingual


class GuideConsultation(Part):
    phone: str
    hours: Bilingual


class GuideOffice(Part):
    hours: Bilingual
    address: Bilingual


class Guide(Part):
    """The service guide (办事指南), in the order of the source document."""

    legal_basis: list[Bilingual]
    accepting_unit: Bilingual
    process: list[Bilingual]
    materials: list[GuideMaterial]
    forms: list[GuideForm]
    samples: list[GuideSample]
    fees: GuideFees
    time_limit_note: Bilingual
    accountability: Bilingual
    consultation: GuideConsultation
    office: GuideOffice
    transit: Bilingual
    status_query: Bilingual


class FieldChoice(Part):
    value: str
    label: Bilingual


class ApplicationField(Part):
    """A typed field of a self-service application, checked by the server when a case is submitted."""

    code: str
    label: Bilingual
    type: FieldKind
    required: bool
    choices: list[FieldChoice] = Field(description="the choices of a choice field; empty otherwise")
    max_len: int
    pattern: str | None = Field(description="a regular expression the whole value must match (Python syntax)")
    prefill: PrefillFrom | None = Field(description="where a kiosk takes a first value from")


class CatalogueItem(Part):
    """A service item (事项) with its guide."""

    code: str = Field(examples=["C-SB-001"])
    name: Bilingual
    stream: Literal["citizen", "enterprise"]
    theme: str
    department: str = Field(description="the accepting (lead) department")
    co_departments: list[str] = Field(description="departments handling the case in parallel (并联办理)")
    wait_target_min: int
    limits: Limits
    flags: ItemFlags
    yields_certificate: str | None = Field(description="the e-certificate type a case of the item yields")
    guide: Guide
    application_fields: list[ApplicationField]


class CatalogueDocument(Part):
    """A hall's service catalogue; ``items`` keep the order of the file."""

    hall_name: Bilingual
    departments: list[CatalogueDepartment]
    e_certificate_types: list[CertificateType]
    themes: dict[str, Bilingual]
    items: list[CatalogueItem]


# ------------------------------------------------------------------ catalogue.get
class CatalogueGet(Body):
    """The published catalogue; a client that has a version asks with it and is told it is unchanged."""

    have_version: integer(optional=True, description="the version the client holds") = None


class CatalogueReply(Answer):
    """The catalogue's version, and the document unless the client's version is the current one."""

    version: int
    unchanged: bool
    catalogue: CatalogueDocument | None = Field(None, description="left out when unchanged")


# ------------------------------------------------------------------ catalogue.publish
class CataloguePublish(Body):
    """Publish a new catalogue (the whole document); the hall takes it live."""

    document: dict[str, Any] = Field(
        description="the catalogue in the shape of the YAML file (hall_name, departments, e_certificate_types, "
        "themes, items), checked whole by the catalogue's loader, which names every problem"
    )

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, body: Any) -> Any:
        # The handler's own words, for a document left out as much as for one that is no object.
        if not isinstance(body, dict) or not isinstance(body.get("document"), dict):
            raise FieldError("document", "document must be a catalogue object", "缺少事项目录内容")
        return body


class Published(Answer):
    version: int
    created: bool = Field(
        description="false: the newest version has this content already (its number is given)"
    )


REQUESTS: dict[str, Spec] = {
    "catalogue.get": Spec(CatalogueGet, CatalogueReply),
    "catalogue.publish": Spec(CataloguePublish, Published),
}
