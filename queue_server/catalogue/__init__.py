"""The service catalogue (事项目录): items, guides (办事指南), time limits and e-certificates.

Load the hall's YAML file with `load_catalogue`; every problem is reported at once in a
`CatalogueError`. The demo catalogue ships as `DEMO_CATALOGUE_PATH`.
"""

from pathlib import Path

from .loader import (
    TOP_KEYS,
    CatalogueError,
    catalogue_to_yaml,
    load_catalogue,
    parse_catalogue,
    read_catalogue_text,
)
from .model import (
    BUSINESS_REGISTRATION,
    BUSINESS_THEMES,
    CITIZEN_THEMES,
    ENTERPRISE_ONLY_PREFIX,
    GUIDE_FIELD_LABELS,
    MAX_DAYS,
    MAX_WAIT_MIN,
    REQUIRED_THEMES,
    TIER_TARGET_343,
    TIER_TARGET_532,
    Catalogue,
    Consultation,
    Department,
    ECertificateType,
    Fees,
    Flags,
    Form,
    Guide,
    Limits,
    Material,
    Office,
    Sample,
    ServiceItem,
    Stream,
    Text,
    Tier,
    content_hash,
    tier_for,
    tier_problem,
)

DEMO_CATALOGUE_PATH = Path(__file__).parent / "data" / "district_hall.yaml"

__all__ = [
    "BUSINESS_REGISTRATION",
    "BUSINESS_THEMES",
    "CITIZEN_THEMES",
    "DEMO_CATALOGUE_PATH",
    "ENTERPRISE_ONLY_PREFIX",
    "GUIDE_FIELD_LABELS",
    "MAX_DAYS",
    "MAX_WAIT_MIN",
    "REQUIRED_THEMES",
    "TIER_TARGET_343",
    "TIER_TARGET_532",
    "TOP_KEYS",
    "Catalogue",
    "CatalogueError",
    "Consultation",
    "Department",
    "ECertificateType",
    "Fees",
    "Flags",
    "Form",
    "Guide",
    "Limits",
    "Material",
    "Office",
    "Sample",
    "ServiceItem",
    "Stream",
    "Text",
    "Tier",
    "catalogue_to_yaml",
    "content_hash",
    "load_catalogue",
    "parse_catalogue",
    "read_catalogue_text",
    "tier_for",
    "tier_problem",
]
