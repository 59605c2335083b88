"""The architecture's contracts (docs/architecture.md), checked on the import graph.

- `workflows/` is plain Python: it imports nothing of Flask, SQLAlchemy or pmo_web, so the
  rules can be read, tested and reused without the app.
- No import cycles anywhere in pmo_web or workflows: each module can be read knowing only
  what it imports.
- An area does not reach into another area's private names (`_name`).

The graph comes from grimp (import-linter's engine): every import, including those inside
functions, counts.
"""
import ast
import sys
from pathlib import Path

import grimp
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("pmo_web", "workflows", include_external_packages=True)


def test_workflows_import_nothing_of_the_app_or_the_web(graph):
    imported = {name.split(".")[0] for module in graph.find_children("workflows") | {"workflows"}
                for name in graph.find_modules_directly_imported_by(module)}
    assert imported - set(sys.stdlib_module_names) - {"workflows", "transitions"} == set()


def strongly_connected(graph, modules):
    """Tarjan's algorithm, iteratively: the groups of modules that import each other."""
    index, low, on_stack, stack, groups, counter = {}, {}, set(), [], [], [0]
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_there_are_no_import_cycles(graph):
    ours = {module for module in graph.modules if module.split(".")[0] in ("pmo_web", "workflows")}
    assert strongly_connected(graph, ours) == []


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, module):
            return self.edges[module]

    assert strongly_connected(Graph(), {"a", "b", "c", "d"}) == [["a", "b", "c"]]


def areas() -> set[str]:
    return {path.parent.name for path in (REPOSITORY / "pmo_web").glob("*/__init__.py")}


def test_areas_do_not_import_each_others_private_names():
    found = []
    for path in (REPOSITORY / "pmo_web").rglob("*.py"):
        relative = path.relative_to(REPOSITORY / "pmo_web").parts
        own_area = relative[0] if len(relative) > 1 else None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level and not (node.module or "").startswith("pmo_web"):
                continue
            module = node.module or ""
            parts = module.removeprefix("pmo_web.").split(".") if not node.level else module.split(".")
            if node.level == 1 and own_area:
                continue  # within the area
            target = parts[0] if parts and parts[0] else None
            if target in areas() and target != own_area:
                found += [f"{'/'.join(relative)} imports {alias.name} from {target}"
                          for alias in node.names if alias.name.startswith("_")]
    assert found == []
