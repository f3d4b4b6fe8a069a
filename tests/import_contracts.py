"""An import-linter contract type the built-in ones cannot express: no module of a layer takes a given
*name* from a module outside it. `flask.request` is an attribute of flask, not a module, so a
`forbidden` contract cannot name it; this one reads the sources (lazy imports inside functions
included) and refuses `from flask import request`, `from flask.globals import request` and
`flask.request` after `import flask`.

Registered in pyproject.toml ([tool.importlinter] contract_types); `lint-imports` runs it.
"""
from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


@dataclass(frozen=True, order=True)
class NameImport:
    importer: str
    line: int
    name: str  # "module:name"


def _source_path(module: str) -> Path | None:
    root, *rest = module.split(".")
    spec = importlib.util.find_spec(root)  # the top package only: nothing of the app is imported
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(list(spec.submodule_search_locations)[0]).joinpath(*rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def find_name_imports(source: str, forbidden: set[tuple[str, str]]) -> list[tuple[int, str]]:
    """(line, "module:name") for every use of a forbidden name in this source."""
    found: list[tuple[int, str]] = []
    module_aliases: dict[str, str] = {}  # local name → module, for `import flask [as f]`
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}:{alias.name}") for alias in node.names
                      if (node.module, alias.name) in forbidden]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module_aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = module_aliases.get(node.value.id)
            if module is not None and (module, node.attr) in forbidden:
                found.append((node.lineno, f"{module}:{node.attr}"))
    return sorted(found)


class ForbiddenNamesContract(Contract):
    """Options: source_modules (packages or modules), forbidden_names ("module:name" each)."""

    type_name = "forbidden_names"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_names = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        forbidden = {tuple(item.split(":", 1)) for item in self.forbidden_names}  # type: ignore[attr-defined]
        invalid = sorted(item for item in self.forbidden_names if ":" not in item)  # type: ignore[attr-defined]
        if invalid:
            raise ValueError(f"forbidden_names must read module:name, not {invalid}")
        found: list[NameImport] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            modules = {source.name} | graph.find_descendants(source.name)
            for module in sorted(modules):
                path = _source_path(module)
                if path is None:
                    continue
                found += [NameImport(module, line, name)
                          for line, name in find_name_imports(path.read_text(encoding="utf-8"), forbidden)]
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["found"]:
            module, name = item.name.split(":", 1)
            output.print_error(f"{item.importer} uses {module}.{name} (l.{item.line})", bold=False)
            output.new_line()
