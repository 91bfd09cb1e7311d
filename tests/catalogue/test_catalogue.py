"""The service catalogue: the shipped demo file, the model API and the loader's error reports."""

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from queue_server.catalogue import (
    BUSINESS_REGISTRATION,
    DEMO_CATALOGUE_PATH,
    GUIDE_FIELD_LABELS,
    MAX_DAYS,
    REQUIRED_THEMES,
    TIER_TARGET_343,
    Catalogue,
    CatalogueError,
    ServiceItem,
    Stream,
    Text,
    Tier,
    catalogue_to_yaml,
    content_hash,
    load_catalogue,
    parse_catalogue,
    tier_for,
    tier_problem,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue(DEMO_CATALOGUE_PATH)


def _small_document() -> Doc:
    """The shipped catalogue cut to three items: C-JY-001 (W 10/3), C-RS-001 (O 5/0), E-DJ-001 (parallel)."""
    doc = load_catalogue(DEMO_CATALOGUE_PATH).to_document()
    keep = ("C-JY-001", "C-RS-001", "E-DJ-001")
    doc["items"] = [item for code in keep for item in doc["items"] if item["code"] == code]
    return doc


SMALL = _small_document()


@pytest.fixture
def doc() -> Doc:
    return copy.deepcopy(SMALL)


def write(tmp_path: Path, document: Any, name: str = "hall.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_error(path: Path) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    return caught.value


def texts(value: Any) -> Iterator[Text]:
    """Every Text inside a model, recursively."""
    if isinstance(value, Text):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts(getattr(value, name))
    elif isinstance(value, tuple | list):
        for entry in value:
            yield from texts(entry)
    elif isinstance(value, dict):
        for entry in value.values():
            yield from texts(entry)


# ---------------------------------------------------------------------------
# The shipped demo catalogue.


def test_shipped_catalogue_loads_with_enough_items(shipped: Catalogue) -> None:
    assert len(shipped.items) >= 30
    assert shipped.hall_name.zh == "示范区政务服务中心"
    assert list(shipped.items) == [item["code"] for item in yaml.safe_load(DEMO_CATALOGUE_PATH.read_text())["items"]]


def test_every_theme_is_defined_and_covered_by_two_items(shipped: Catalogue) -> None:
    assert set(REQUIRED_THEMES) | {BUSINESS_REGISTRATION} == set(shipped.themes)
    per_theme = Counter(item.theme for item in shipped.items.values())
    thin = {theme: per_theme[theme] for theme in shipped.themes if per_theme[theme] < 2}
    assert not thin, f"themes with fewer than 2 items: {thin}"


def test_both_streams_are_served(shipped: Catalogue) -> None:
    citizen = shipped.items_by_stream(Stream.CITIZEN)
    enterprise = shipped.items_by_stream("enterprise")
    assert len(enterprise) >= 10
    assert len(citizen) >= 10
    assert len(citizen) + len(enterprise) == len(shipped.items)
    assert all(item.code.startswith("E-") for item in enterprise)


def test_tier_shares_meet_343_roughly(shipped: Catalogue) -> None:
    shares = shipped.tier_shares()
    assert set(shares) == {tier.value for tier in Tier}
    assert sum(shares.values()) == pytest.approx(1.0)
    for tier, target in TIER_TARGET_343.items():
        assert abs(shares[tier] - target) <= 0.05, (tier, shares)


def test_every_guide_field_is_filled_in(shipped: Catalogue) -> None:
    for item in shipped.items.values():
        for field in GUIDE_FIELD_LABELS:
            value = getattr(item.guide, field)
            assert value, f"{item.code}: guide.{field} is empty"
        assert len(item.guide.process) >= 3, item.code
        assert all(sample.common_errors for sample in item.guide.samples), item.code


def test_every_text_is_bilingual_chinese_first(shipped: Catalogue) -> None:
    bad = [t for t in texts(shipped) if not CJK.search(t.zh) or CJK.search(t.en) or not t.en.strip()]
    assert not bad, bad[:5]
    assert len(list(texts(shipped))) > 1000


def test_guides_agree_with_the_item_data(shipped: Catalogue) -> None:
    for item in shipped.items.values():
        limits, note = item.limits, item.guide.time_limit_note.zh
        assert f"法定办结时限{limits.statutory_days}个工作日" in note, item.code
        promised = "承诺即办" if limits.promised_days == 0 else f"承诺办结时限{limits.promised_days}个工作日"
        assert promised in note, item.code
        assert item.guide.consultation.phone == shipped.departments[item.department].phone, item.code
        assert shipped.departments[item.department].name.zh in item.guide.accepting_unit.zh, item.code
        for code in item.co_departments:
            assert shipped.departments[code].name.zh in item.guide.accepting_unit.zh, item.code


def test_parallel_items_replaceable_materials_and_certificates(shipped: Catalogue) -> None:
    items = list(shipped.items.values())
    assert sum(1 for item in items if item.co_departments) >= 3
    replaceable = [m for item in items for m in item.guide.materials if m.e_certificate]
    assert len(replaceable) >= 10
    assert {m.e_certificate for m in replaceable} >= {"id_card", "household_register", "business_licence",
                                                       "marriage_cert", "real_estate_cert"}
    used = {m.e_certificate for m in replaceable} | {item.yields_certificate for item in items}
    assert set(shipped.e_certificate_types) <= used, "e-certificate types nobody uses"
    departments_used = {item.department for item in items} | {c for item in items for c in item.co_departments}
    departments_used |= {cert.issuer for cert in shipped.e_certificate_types.values()}
    assert departments_used == set(shipped.departments)


def test_wait_targets_are_plausible(shipped: Catalogue) -> None:
    for item in shipped.items.values():
        assert 10 <= item.wait_target_min <= 60
        assert item.wait_target_s == item.wait_target_min * 60


# ---------------------------------------------------------------------------
# The API.


def test_round_trip_through_document_json_and_yaml(shipped: Catalogue) -> None:
    document = shipped.to_document()
    again = parse_catalogue(json.loads(json.dumps(document, ensure_ascii=False)))
    assert again == shipped
    assert again.content_hash() == shipped.content_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", shipped.content_hash())
    from_yaml = parse_catalogue(yaml.safe_load(catalogue_to_yaml(shipped)))
    assert from_yaml == shipped


def test_same_content_same_hash_whatever_the_key_order(shipped: Catalogue) -> None:
    document = shipped.to_document()
    document["items"] = [dict(reversed(item.items())) for item in document["items"]]
    document["themes"] = dict(reversed(document["themes"].items()))  # mapping order is not content
    assert parse_catalogue(document).content_hash() == shipped.content_hash()
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1, "b": [1, 2]}) != content_hash({"a": 1, "b": [2, 1]})
    assert load_catalogue(DEMO_CATALOGUE_PATH).content_hash() == shipped.content_hash()


CHANGES: list[tuple[str, Callable[[Doc], None]]] = [
    ("wait target", lambda d: d["items"][0].update(wait_target_min=d["items"][0]["wait_target_min"] + 1)),
    ("english name", lambda d: d["items"][1]["name"].update(en="Registration as unemployed")),
    ("material order", lambda d: d["items"][0]["guide"]["materials"].reverse()),
    ("item order", lambda d: d["items"].reverse()),
    ("department phone", lambda d: d["departments"][0].update(phone="0755-26989999")),
    ("flag", lambda d: d["items"][0]["flags"].update(self_service=True)),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[name for name, _ in CHANGES])
def test_a_changed_field_changes_the_hash(doc: Doc, change: Callable[[Doc], None]) -> None:
    before = parse_catalogue(copy.deepcopy(doc))
    change(doc)
    after = parse_catalogue(doc)
    assert after.to_document() != before.to_document()  # (== on models ignores the order of items)
    assert after.content_hash() != before.content_hash()


def test_item_lookup(shipped: Catalogue) -> None:
    item = shipped.item("C-SB-001")
    assert isinstance(item, ServiceItem)
    assert item.name.zh == "城乡居民养老保险参保登记"
    assert item.limits.tier is Tier.ON_THE_SPOT
    assert item.name.get("en") == item.name.en and item.name.get("zh") == item.name.zh
    with pytest.raises(KeyError, match="C-XX-999"):
        shipped.item("C-XX-999")


def test_the_model_refuses_dangling_references_when_built_directly(shipped: Catalogue) -> None:
    departments = {code: d for code, d in shipped.departments.items() if code != "education"}
    with pytest.raises(ValidationError, match="unknown department 'education'"):
        Catalogue(hall_name=shipped.hall_name, departments=departments,
                  e_certificate_types=shipped.e_certificate_types, themes=shipped.themes, items=shipped.items)
    with pytest.raises(ValidationError):
        shipped.item("C-SB-001").limits.model_validate({"statutory_days": 5, "promised_days": 6, "tier": "halved"})


@pytest.mark.parametrize(
    ("statutory", "promised", "expected"),
    [(5, 0, Tier.ON_THE_SPOT), (0, 0, Tier.ON_THE_SPOT), (20, 5, Tier.WITHIN_5_DAYS), (3, 1, Tier.WITHIN_5_DAYS),
     (5, 2, Tier.WITHIN_5_DAYS), (6, 3, Tier.WITHIN_5_DAYS), (20, 10, Tier.HALVED), (45, 20, Tier.HALVED),
     (20, 11, None), (11, 6, None), (6, 6, None)],
)
def test_tier_for(statutory: int, promised: int, expected: Tier | None) -> None:
    assert tier_for(statutory, promised) == expected
    for tier in Tier:
        assert (tier_problem(tier, statutory, promised) is None) == (tier is expected or (
            tier is Tier.HALVED and promised >= 1 and statutory > 5 and 2 * promised <= statutory))


# ---------------------------------------------------------------------------
# Broken documents: every problem names the item, its Chinese name and the field.

JY = "item C-JY-001 (义务教育阶段学生转学)"
RS = "item C-RS-001 (失业登记)"
DJ = "item E-DJ-001 (有限责任公司设立登记)"


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    def change(document: Doc) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _no_required_material(document: Doc) -> None:
    for material in document["items"][1]["guide"]["materials"]:
        material["required"] = False


def _rename_key(document: Doc) -> None:
    limits = document["items"][0]["limits"]
    limits["promise_days"] = limits.pop("promised_days")


def _duplicate_item(document: Doc) -> None:
    document["items"].append(copy.deepcopy(document["items"][0]))


def _duplicate_material(document: Doc) -> None:
    materials = document["items"][0]["guide"]["materials"]
    materials[2]["code"] = materials[1]["code"]


BROKEN: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("promised over statutory", _set("items.0.limits.promised_days", 11), JY,
     "limits.promised_days: must not exceed statutory_days (10)"),
    ("on the spot with days", _set("items.1.limits.promised_days", 2), RS, "limits.tier: on_the_spot needs"),
    ("within 5 with 0 days", _set("items.1.limits.tier", "within_5_days"), RS, "limits.tier: within_5_days needs"),
    ("halved not halved", _set("items.0.limits", {"statutory_days": 10, "promised_days": 6, "tier": "halved"}), JY,
     "limits.tier: halved needs promised_days at most half of statutory_days (10 -> at most 5), not 6"),
    ("unknown tier", _set("items.0.limits.tier", "fast"), JY, "limits.tier: must be one of"),
    ("negative days", _set("items.0.limits.statutory_days", -1), JY, "limits.statutory_days: must be at least 0"),
    ("unknown department", _set("items.0.department", "educaton"), JY,
     "department: unknown department 'educaton' (did you mean 'education'?)"),
    ("unknown co-department", _set("items.2.co_departments.1", "police"), DJ, "co_departments[1]: unknown department"),
    ("lead also co-department", _set("items.2.co_departments", ["market", "tax"]), DJ,
     "co_departments: market is the lead department"),
    ("unknown e-certificate", _set("items.0.guide.materials.1.e_certificate", "passport"), JY,
     "guide.materials[1].e_certificate: unknown e-certificate type 'passport'"),
    ("unknown yielded certificate", _set("items.2.yields_certificate", "licence"), DJ, "yields_certificate: unknown"),
    ("unknown theme", _set("items.1.theme", "jobs"), RS, "theme: unknown theme 'jobs'"),
    ("business theme on citizen", _set("items.1.theme", "business_policy_support"), RS,
     "theme: theme business_policy_support is for enterprise items"),
    ("code of the other stream", _set("items.1.stream", "enterprise"), RS, "stream: enterprise items have codes"),
    ("malformed code", _set("items.1.code", "CRS001"), "item CRS001 (失业登记)", "code: 'CRS001' is not a valid"),
    ("duplicate item code", _duplicate_item, JY, "code: code C-JY-001 is used twice"),
    ("duplicate material code", _duplicate_material, JY, "guide.materials: material code"),
    ("wait target zero", _set("items.0.wait_target_min", 0), JY, "wait_target_min: must be at least 1"),
    ("wait target too long", _set("items.0.wait_target_min", 241), JY, "wait_target_min: must be at most 240"),
    ("wait target as text", _set("items.0.wait_target_min", "20"), JY, "wait_target_min: expected a whole number"),
    ("empty english name", _set("items.0.name.en", ""), JY, "name.en: must not be empty"),
    ("blank chinese step", _set("items.2.guide.process.0.zh", "  "), DJ, "guide.process[0].zh: must not be empty"),
    ("no required material", _no_required_material, RS, "guide.materials: at least one material must have required"),
    ("missing guide field", _set("items.1.guide", {k: v for k, v in SMALL["items"][1]["guide"].items()
                                                   if k != "transit"}), RS, "guide.transit: required field is missing"),
    ("misspelt field", _rename_key, JY, "limits.promise_days: unknown field 'promise_days' (did you mean"),
    ("flag as text", _set("items.0.flags.online", "yes"), JY, "flags.online: expected true or false"),
    ("material brings nothing", _set("items.0.guide.materials.1", {**SMALL["items"][0]["guide"]["materials"][1],
                                                                    "copies": 0, "original": False}), JY,
     "guide.materials[1].original: copies is 0 and original is false"),
    ("absolute form path", _set("items.0.guide.forms.0.file", "/etc/passwd"), JY, "guide.forms[0].file: '/etc/passwd'"),
    ("no common errors", _set("items.0.guide.samples.0.common_errors", []), JY, "guide.samples[0].common_errors"),
    ("bad consultation phone", _set("items.0.guide.consultation.phone", "call us"), JY, "guide.consultation.phone"),
    ("certificate issuer unknown", _set("e_certificate_types.0.issuer", "police"), "e-certificate type id_card",
     "issuer: unknown department 'police'"),
    ("department phone as number", _set("departments.0.phone", 755), "department education",
     "phone: expected text, got 755"),
    ("theme without english", _set("themes.employment", {"zh": "劳动就业"}), "themes.employment.en",
     "required field is missing"),
    ("unknown section", _set("windows", []), "windows", "unknown field 'windows'"),
    ("choice field without choices", _set("items.0.application_fields", [
        {"code": "kind", "label": {"zh": "类型", "en": "Kind"}, "type": "choice"}]), JY,
     "application_fields[0]: field kind: a choice field lists its choices"),
    ("unknown field type", _set("items.0.application_fields", [
        {"code": "phone", "label": {"zh": "电话", "en": "Phone"}, "type": "mobile"}]), JY,
     "application_fields[0].type: must be one of"),
    ("field code twice", _set("items.0.application_fields", [
        {"code": "phone", "label": {"zh": "电话", "en": "Phone"}, "type": "phone"}] * 2), JY,
     "application_fields: field code 'phone' is used twice"),
    ("field pattern broken", _set("items.0.application_fields", [
        {"code": "no", "label": {"zh": "编号", "en": "No."}, "type": "text", "pattern": "[0-9"}]), JY,
     "application_fields[0].pattern: pattern '[0-9' is not a valid regular expression"),
]


@pytest.mark.parametrize(
    ("change", "who", "what"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_broken_document_names_item_and_field(
    tmp_path: Path, doc: Doc, change: Callable[[Doc], None], who: str, what: str
) -> None:
    change(doc)
    path = write(tmp_path, doc)
    error = load_error(path)
    assert isinstance(error, ValueError)
    matching = [p for p in error.problems if what in p]
    assert matching, error.problems
    assert all(p.startswith(who) for p in matching), matching
    assert all(f"({path}, line " in p for p in matching), matching
    assert what in str(error) and str(path) in str(error)


def test_line_numbers_point_at_the_field(tmp_path: Path, doc: Doc) -> None:
    doc["items"][1]["limits"]["promised_days"] = 3
    path = write(tmp_path, doc)
    lines = path.read_text(encoding="utf-8").splitlines()
    code_line = lines.index("- code: C-RS-001")
    expected = next(n for n, line in enumerate(lines) if n > code_line and "promised_days: 3" in line) + 1
    tier_line = next(n for n, line in enumerate(lines) if n > code_line and "tier: on_the_spot" in line) + 1
    (problem,) = load_error(path).problems
    assert problem.startswith(f"{RS}: limits.tier: on_the_spot needs promised_days 0, not 3")
    assert problem.endswith(f"line {tier_line})")
    doc["items"][1]["limits"]["statutory_days"] = 2
    (problem,) = load_error(write(tmp_path, doc)).problems
    assert problem == f"{RS}: limits.promised_days: must not exceed statutory_days (2) ({path}, line {expected})"
    _no_required_material(doc)  # a problem with a whole block points at the block's key
    doc["items"][1]["limits"]["statutory_days"] = 5
    lines = write(tmp_path, doc).read_text(encoding="utf-8").splitlines()
    materials_line = next(n for n, line in enumerate(lines) if n > code_line and line.strip() == "materials:") + 1
    problems = load_error(path).problems
    assert next(p for p in problems if "guide.materials:" in p).endswith(f"line {materials_line})")


def test_several_problems_are_reported_at_once(tmp_path: Path, doc: Doc) -> None:
    doc["items"][0]["limits"]["promised_days"] = 12
    doc["items"][0]["department"] = "nobody"  # the same item again, with a schema problem as well
    doc["items"][1]["name"]["en"] = ""
    doc["items"][2]["guide"]["materials"][0]["e_certificate"] = "passport"
    error = load_error(write(tmp_path, doc))
    assert len(error.problems) == 4, error.problems
    assert sum(p.startswith(JY) for p in error.problems) == 2
    assert sum(p.startswith(RS) for p in error.problems) == 1
    assert sum(p.startswith(DJ) for p in error.problems) == 1
    assert "4 problems" in str(error)


def test_parse_catalogue_reports_like_the_file_loader(doc: Doc) -> None:
    doc["items"][0]["limits"]["promised_days"] = 11
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(doc, source="editor")
    assert caught.value.problems == [f"{JY}: limits.promised_days: must not exceed statutory_days (10)"]
    assert str(caught.value).startswith("editor: 1 problem")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path, doc: Doc) -> None:
    path = write(tmp_path, doc)
    lines = path.read_text(encoding="utf-8").splitlines()
    broken = next(n for n, line in enumerate(lines) if line.strip() == "stream: citizen")
    lines[broken] = lines[broken] + ": oops"
    path.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = load_error(path).problems
    assert "YAML syntax error" in problem
    assert str(path) in problem
    assert f"line {broken + 1}," in problem


def test_duplicate_yaml_keys_are_reported(tmp_path: Path, doc: Doc) -> None:
    path = write(tmp_path, doc)
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.strip() == "wait_target_min: 30")
    lines.insert(at + 1, lines[at].replace("30", "35"))
    path.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = load_error(path).problems
    assert problem.startswith(f"{JY}: wait_target_min: key 'wait_target_min' appears twice")
    assert f"first on line {at + 1}" in problem and problem.endswith(f"line {at + 1})")


def test_missing_file_and_wrong_shape(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "hall.yaml"
    error = load_error(missing)
    assert str(missing) in str(error) and "not found" in str(error)
    assert "must be a mapping" in str(load_error(write(tmp_path, ["a", "b"])))
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "must be a mapping" in str(load_error(empty))


# ---------------------------------------------------------------------------
# Property: mutated limits are either consistent and accepted, or reported under limits.

ONE_ITEM: Doc = {**SMALL, "items": SMALL["items"][:1]}
DAYS = st.one_of(st.integers(-3, 60), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True),
                 st.text(max_size=3), st.sampled_from(["5", "0", 5.0]))
TIERS = st.one_of(st.sampled_from([t.value for t in Tier]), st.sampled_from(["HALVED", "", "on the spot"]),
                  st.none(), st.integers(0, 3))


def _consistent(statutory: Any, promised: Any, tier: Any) -> bool:
    if type(statutory) is not int or type(promised) is not int or not 0 <= promised <= statutory <= MAX_DAYS:
        return False
    if tier == "on_the_spot":
        return promised == 0
    if tier == "within_5_days":
        return 1 <= promised <= 5
    if tier == "halved":
        return statutory > 5 and promised >= 1 and 2 * promised <= statutory
    return False


@settings(max_examples=150, deadline=None)
@given(statutory=DAYS, promised=DAYS, tier=TIERS, drop=st.sampled_from([None, "statutory_days", "promised_days", "tier"]))
def test_mutated_limits_are_accepted_or_named(statutory: Any, promised: Any, tier: Any, drop: str | None) -> None:
    document = copy.deepcopy(ONE_ITEM)
    limits = {"statutory_days": statutory, "promised_days": promised, "tier": tier}
    if drop:
        del limits[drop]
    document["items"][0]["limits"] = limits
    try:
        catalogue = parse_catalogue(document)
    except CatalogueError as error:
        assert drop or not _consistent(statutory, promised, tier)
        assert error.problems
        assert all(p.startswith(f"{JY}: limits.") for p in error.problems), error.problems
    else:
        assert drop is None and _consistent(statutory, promised, tier)
        item = catalogue.item("C-JY-001")
        assert (item.limits.statutory_days, item.limits.promised_days, item.limits.tier) == (statutory, promised, tier)
