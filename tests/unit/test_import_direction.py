"""Imports run one way: composition root → edges → flows → domains → kernel, and no two packages import each other.

Every ``.py`` of the application packages is parsed (``ast``, so function-local imports and imports under
``TYPE_CHECKING`` count too) and each import of another package is checked against the layers below. A unit is
a package or subpackage named in :data:`LAYERS` (a module belongs to the longest name that prefixes it). A unit
may import a unit of a lower layer freely, and a unit of its own layer only when that makes no cycle; it may
never import a higher layer. The kernel imports nothing of the project.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CORE, DOMAIN, FLOWS, EDGE, COMPOSITION = 0, 1, 2, 3, 4
LAYER_NAMES = {CORE: "kernel", DOMAIN: "domain", FLOWS: "flows", EDGE: "edge", COMPOSITION: "composition root"}

LAYERS: dict[str, int] = {
    # The kernel: database, settings, keys, contacts, pages, request dependencies.
    "core": CORE,
    # Domains: what the desk keeps and decides, without HTTP or a conversation's turn-taking.
    "conversations": DOMAIN,
    "outbox": DOMAIN,
    "identity": DOMAIN,  # identity/__init__, names, vault: shared by its two subpackages
    "identity.roster": DOMAIN,
    "identity.verification": DOMAIN,
    "knowledge": DOMAIN,
    "ticketing": DOMAIN,  # tickets, audit, auth, officers, links, routing, SLA, reports, retention
    # The family's use cases, run alike by the gateway and the actions: they span domains, so sit above them.
    "flows": FLOWS,
    # Edges: the web chat and SMS, the console and the public pages, the Rasa actions, the command lines.
    "channels": EDGE,
    "channels.console": EDGE,  # the outbox and handoff buttons of the officer console
    "actions": EDGE,
    "knowledge.pages": EDGE,
    "knowledge.deps": EDGE,
    "ticketing.console": EDGE,
    "ticketing.family": EDGE,  # the family's pages and the notices sent to them
    "ticketing.cli": EDGE,
    "identity.roster.cli": EDGE,
    # The composition root: builds the app, starts the processes, holds the command line.
    "rightsdesk": COMPOSITION,
}
# Modules that sit inside an edge's folder but are part of a domain unit.
PART_OF = {"ticketing.family.messages": "ticketing"}
PACKAGES = sorted({name.split(".")[0] for name in LAYERS})


def unit_of(module: str) -> str | None:
    """The unit of :data:`LAYERS` that ``module`` belongs to (None: not one of the application's)."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in PART_OF:
            return PART_OF[prefix]
        if prefix in LAYERS:
            return prefix
    return None


def module_name(path: Path) -> str:
    """The dotted name of the module at ``path`` (relative to the repository)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> Iterable[tuple[str, int]]:
    """Every module ``tree`` imports, with its line.

    ``import``, ``from ... import`` (relative ones resolved, each imported name also tried as a submodule) and
    ``importlib.import_module("...")`` with a literal name.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:
                yield f"{target}.{alias.name}", node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno


def import_edges(sources: Iterable[tuple[str, str, bool]]) -> dict[tuple[str, str], list[str]]:
    """``(importing unit, imported unit)`` → where, for ``(module, source, is_package)`` triples."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, source, is_package in sources:
        here = unit_of(module)
        assert here is not None, f"{module} is in no layer: add its package to LAYERS"
        for target, line in imported_modules(ast.parse(source), module, is_package):
            there = unit_of(target)
            if there is not None and there != here:
                edges[(here, there)].append(f"{module}:{line}")
    return edges


def application_sources() -> list[tuple[str, str, bool]]:
    """Every module of the application packages."""
    return [
        (module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def against_the_direction(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    """The imports of a higher layer (or of anything by the kernel)."""
    return [
        f"{here} ({LAYER_NAMES[LAYERS[here]]}) imports {there} ({LAYER_NAMES[LAYERS[there]]}) at {', '.join(where)}"
        for (here, there), where in sorted(edges.items())
        if LAYERS[there] > LAYERS[here] or (LAYERS[here] == CORE and there != here)
    ]


def cycles(nodes_edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected sets of more than one node (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for here, there in nodes_edges:
        graph[here].add(there)
        graph.setdefault(there, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


EDGES = import_edges(application_sources())


def test_every_import_runs_toward_the_kernel() -> None:
    assert against_the_direction(EDGES) == []


def test_no_two_units_import_each_other_even_indirectly() -> None:
    knots = cycles(EDGES)
    assert knots == [], "\n".join(
        " ↔ ".join(knot) + ": " + "; ".join(f"{a}→{b} {EDGES[a, b][0]}" for a in knot for b in knot if (a, b) in EDGES)
        for knot in knots
    )


def test_the_kernel_imports_no_package_of_the_project() -> None:
    assert [pair for pair in EDGES if pair[0] == "core"] == []


# The checker itself must be able to fail: each of these is a violation it has to see.
@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("core.db", "from ticketing.tickets.models import Ticket", "core (kernel) imports ticketing (domain)"),
        ("knowledge.service", "def f():\n    from rightsdesk import app\n", "knowledge (domain) imports rightsdesk"),
        ("ticketing.sla.service", "import importlib\nimportlib.import_module('channels.chat')", "ticketing (domain)"),
        ("outbox.service", "from ..channels import chat", "outbox (domain) imports channels (edge)"),
        (
            "ticketing.family.messages",
            "from ticketing.console import deps",
            "ticketing (domain) imports ticketing.console",
        ),
        ("actions.handoff", "from rightsdesk.tables import Base", "actions (edge) imports rightsdesk"),
    ],
)
def test_the_checker_sees_an_import_against_the_direction(module: str, source: str, expected: str) -> None:
    found = against_the_direction(import_edges([(module, source, False)]))
    assert len(found) == 1 and expected in found[0], found


def test_the_checker_allows_sideways_imports_and_sees_their_cycles() -> None:
    sideways = import_edges(
        [
            ("identity.verification.service", "from identity.roster.service import agents_of", False),
            ("identity.roster.oneroster", "from identity.verification import service", False),
            ("ticketing.family.notify", "from channels.delivery import send_to_family", False),
        ]
    )
    assert against_the_direction(sideways) == []
    assert cycles(sideways) == [["identity.roster", "identity.verification"]]


def test_the_action_server_knows_every_table_its_foreign_keys_name() -> None:
    """A flush resolves every foreign key of the known tables; the action server does not load the table registry."""
    script = (
        "import actions, actions.server\n"
        "from core.db import Base\n"
        "known = set(Base.metadata.tables)\n"
        "print(sorted({fk.target_fullname for t in Base.metadata.tables.values() for fk in t.foreign_keys"
        " if fk.target_fullname.split('.')[0] not in known}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
