"""Load a service catalogue from YAML and report every problem at once.

Every message names what is wrong the way a hall officer finds it in the file:
`item C-SB-003 (基本养老保险关系转移接续): limits.promised_days: must not exceed
statutory_days (45) (district_hall.yaml, line 1185)`.
"""

import difflib
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from .model import (
    Catalogue,
    Department,
    ECertificateType,
    Loc,
    ServiceItem,
    Text,
    format_path,
    is_slug,
    item_label,
    item_reference_problems,
)

M = TypeVar("M", bound=BaseModel)

TOP_KEYS = ("hall_name", "departments", "e_certificate_types", "themes", "items")

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogueError(ValueError):
    """A catalogue that cannot be used. `problems` lists every problem found, one line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        super().__init__(f"{source}: {count} in the service catalogue:\n" + "\n".join(f"  - {p}" for p in self.problems))


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and check a catalogue file; CatalogueError lists every problem with its line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError(source, [f"catalogue file not found: {source}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(source, [f"cannot read catalogue file {source}: {exc}"]) from None
    return read_catalogue_text(text, source)


def read_catalogue_text(text: str, source: str = "<text>") -> Catalogue:
    """Check a catalogue given as YAML (or JSON, which YAML reads) text, as a file is: every
    problem with its line."""
    document, root = _read_yaml(text, source)
    lines = _Lines(root, source)
    duplicates = list(lines.duplicate_keys())
    return _parse(document, source, lines, duplicates)


def parse_catalogue(doc: dict[str, Any], source: str = "<document>") -> Catalogue:
    """Check a catalogue given as plain data (for example `Catalogue.to_document()`)."""
    return _parse(doc, source, None, [])


def catalogue_to_yaml(catalogue: Catalogue) -> str:
    """The catalogue as YAML in the layout of the shipped file (without its comments)."""
    return yaml.dump(
        catalogue.to_document(), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000, indent=2
    )


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists and no anchors, as a hall officer would write it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# ---------------------------------------------------------------------------
# YAML with line numbers.


def _read_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    loader = _SafeLoader(text)
    try:
        root = loader.get_single_node()
        document = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        context = f" ({exc.context})" if exc.context else ""
        raise CatalogueError(source, [f"YAML syntax error in {source}{where}: {exc.problem}{context}"]) from None
    except yaml.YAMLError as exc:
        raise CatalogueError(source, [f"YAML syntax error in {source}: {exc}"]) from None
    finally:
        loader.dispose()
    return document, root


class _Lines:
    """Finds the line of a field path in the composed YAML node tree."""

    def __init__(self, root: yaml.Node | None, source: str) -> None:
        self.root, self.source = root, source

    def line(self, loc: Loc) -> int | None:
        node, line = self.root, None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((kv for kv in node.value if _key_is(kv[0], part)), None)
                if match is None:
                    break
                line, node = match[0].start_mark.line + 1, match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        if line is None and node is not None:
            line = node.start_mark.line + 1
        return line

    def where(self, loc: Loc) -> str:
        line = self.line(loc)
        return f" ({self.source}, line {line})" if line else ""

    def duplicate_keys(self) -> Iterator[tuple[Loc, str]]:
        stack: list[tuple[yaml.Node, Loc]] = [(self.root, ())] if self.root is not None else []
        while stack:
            node, loc = stack.pop()
            if isinstance(node, yaml.MappingNode):
                first: dict[str, int] = {}
                for key, value in node.value:
                    if not isinstance(key, yaml.ScalarNode):
                        continue
                    if key.value in first:
                        yield (
                            (*loc, key.value),
                            f"key {key.value!r} appears twice in the same block (first on line "
                            f"{first[key.value]}); only the last one would count",
                        )
                    first.setdefault(key.value, key.start_mark.line + 1)
                    stack.append((value, (*loc, key.value)))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((child, (*loc, index)) for index, child in enumerate(node.value))


def _key_is(key: yaml.Node, part: int | str) -> bool:
    return isinstance(key, yaml.ScalarNode) and key.value == str(part)


# ---------------------------------------------------------------------------
# Checking a document.

_Report = Callable[[Loc, str], None]


def _parse(doc: Any, source: str, lines: _Lines | None, early: list[tuple[Loc, str]]) -> Catalogue:
    problems: list[str] = []

    def report(loc: Loc, message: str) -> None:
        where = lines.where(loc) if lines else ""
        problems.append(f"{_describe(doc, loc)}: {message}{where}")

    for loc, message in early:
        report(loc, message)
    if not isinstance(doc, dict):
        problems.append(f"the catalogue must be a mapping with the keys {', '.join(TOP_KEYS)}")
        raise CatalogueError(source, problems)
    for key in doc:
        if key not in TOP_KEYS:
            report((str(key),), _unknown_field(str(key), TOP_KEYS))
    for key in TOP_KEYS:
        if key not in doc:
            report((key,), "required section is missing")

    hall_name = _validate(Text, doc["hall_name"], ("hall_name",), report) if "hall_name" in doc else None
    departments, department_codes = _validate_entries(Department, doc, "departments", report)
    certificates, certificate_codes = _validate_entries(ECertificateType, doc, "e_certificate_types", report)
    themes, theme_keys = _validate_themes(doc, report)
    items, _ = _validate_entries(ServiceItem, doc, "items", report)

    raw_certificates = doc.get("e_certificate_types")
    for index, raw in enumerate(raw_certificates if isinstance(raw_certificates, list) else []):
        issuer = raw.get("issuer") if isinstance(raw, dict) else None
        if department_codes is not None and isinstance(issuer, str) and issuer not in department_codes:
            report(("e_certificate_types", index, "issuer"), f"unknown department {issuer!r}")
    raw_items = doc.get("items")
    for index, raw in enumerate(raw_items if isinstance(raw_items, list) else []):
        if isinstance(raw, dict):
            for loc, message in item_reference_problems(raw, department_codes, certificate_codes, theme_keys):
                report(("items", index, *loc), message)

    if problems or hall_name is None:
        raise CatalogueError(source, problems)
    try:
        return Catalogue(
            hall_name=hall_name,
            departments={code: entry for code, (_, entry) in departments.items()},
            e_certificate_types={code: entry for code, (_, entry) in certificates.items()},
            themes=themes,
            items={code: entry for code, (_, entry) in items.items()},
        )
    except ValidationError as exc:  # a rule checked only by the model; should not happen
        raise CatalogueError(source, [str(error["msg"]) for error in exc.errors()]) from None


def _validate(model: type[M], raw: Any, base: Loc, report: _Report) -> M | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            report((*base, *loc), _humanize(error, model, loc))
        return None


def _validate_entries(
    model: type[M], doc: dict[str, Any], section: str, report: _Report
) -> tuple[dict[str, tuple[int, M]], set[str] | None]:
    """Valid entries of a list section keyed by code (with their index), and every code seen."""
    raw = doc.get(section)
    if section not in doc:
        return {}, None
    if not isinstance(raw, list):
        report((section,), "expected a list of entries (each starting with '- code: ...')")
        return {}, None
    valid: dict[str, tuple[int, M]] = {}
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        code = entry.get("code") if isinstance(entry, dict) else None
        if isinstance(code, str) and code in seen:
            report((section, index, "code"), f"code {code} is used twice (also by {section}[{seen[code]}])")
        elif isinstance(code, str):
            seen[code] = index
        checked = _validate(model, entry, (section, index), report)
        if checked is not None:
            valid.setdefault(checked.code, (index, checked))  # type: ignore[attr-defined]
    return valid, set(seen)


def _validate_themes(doc: dict[str, Any], report: _Report) -> tuple[dict[str, Text], set[str] | None]:
    raw = doc.get("themes")
    if "themes" not in doc:
        return {}, None
    if not isinstance(raw, dict):
        report(("themes",), "expected a mapping of theme key to {zh, en}")
        return {}, None
    themes: dict[str, Text] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not is_slug(key):
            report(("themes", str(key)), "theme keys are lower-case letters, digits and _ (like social_security)")
            continue
        text = _validate(Text, value, ("themes", key), report)
        if text is not None:
            themes[key] = text
    return themes, {key for key in raw if isinstance(key, str)}


# ---------------------------------------------------------------------------
# Messages.


def _describe(doc: Any, loc: Loc) -> str:
    """`item C-SB-003 (城乡居民养老保险参保登记): limits.promised_days` for a path into the document."""
    labels = {"items": None, "departments": "department", "e_certificate_types": "e-certificate type"}
    if len(loc) >= 2 and loc[0] in labels and isinstance(loc[1], int) and isinstance(doc, dict):
        entries = doc.get(str(loc[0]))
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        code = entry.get("code") if isinstance(entry, dict) else None
        code = code if isinstance(code, str) and code.strip() else f"{loc[0]}[{loc[1]}]"
        if loc[0] == "items":
            name = entry.get("name") if isinstance(entry, dict) else None
            label = item_label(code, name.get("zh") if isinstance(name, dict) else None)
        else:
            label = f"{labels[str(loc[0])]} {code}"
        rest = format_path(loc[2:])
        return f"{label}: {rest}" if rest else label
    return format_path(loc)


def _humanize(error: Any, model: type[BaseModel], loc: Loc) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    shown = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
    shown = shown.removesuffix("...").strip()
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field(str(loc[-1]), _fields_at(model, loc[:-1]))
    if kind in ("string_type", "str_type"):
        return f"expected text, got {shown} (put the text in quotes)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown}"
    if kind == "bool_type":
        return f"expected true or false, got {shown}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, not {shown}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}, not {shown}"
    if kind == "enum":
        return f"must be one of {ctx.get('expected')}, not {shown}"
    if kind == "too_short":
        return "must not be empty (list at least one entry)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        fields = _fields_at(model, loc)
        return "expected a mapping" + (f" with the fields {', '.join(fields)}" if fields else "") + f", got {shown}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {shown}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _unknown_field(name: str, allowed: tuple[str, ...] | list[str] | None) -> str:
    if not allowed:
        return f"unknown field {name!r}"
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown field {name!r} (did you mean {close[0]!r}?)"
    return f"unknown field {name!r} (allowed: {', '.join(allowed)})"


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str] | None:
    """The field names of the model found at `loc` inside `model`, if it is a model."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        current = _unwrap(current.model_fields[part].annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _unwrap(annotation: Any) -> Any:
    """tuple[X, ...] -> X, X | None -> X; anything else unchanged."""
    origin = get_origin(annotation)
    if origin is tuple:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _unwrap(rest[0]) if len(rest) == 1 else annotation
    return annotation
