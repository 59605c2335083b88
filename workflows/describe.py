"""The state machines written out for people: Markdown tables and Mermaid diagrams.

``docs/rules.md`` holds the output between ``<!-- generated: NAME -->`` and
``<!-- end generated -->`` markers, so the rules people read are the rules the code runs.
Refresh them with ``make docs`` (``python -m workflows.describe --write docs/rules.md``);
``tests/workflows/test_describe.py`` fails when the document and the code disagree.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from workflows import conditions, editing, gate, lifecycle


def _states(source: str | Iterable[str]) -> list[str]:
    return [source] if isinstance(source, str) else list(source)


def _label(state: str) -> str:
    return lifecycle.STATE_LABELS[state]


def lifecycle_table() -> str:
    """One row per move: trigger, from, to, who may make it, what it needs."""
    rows = ["| move | from | to | who | needs |", "|---|---|---|---|---|"]
    for transition in lifecycle.TRANSITIONS:
        trigger = transition["trigger"]
        needs = [lifecycle.INPUT_MISSING[name].removesuffix(" is required").lower()
                 for name in lifecycle.TRIGGER_INPUTS[trigger]]
        needs += [lifecycle.GUARD_TEXT[name] for name in transition.get("conditions", ())]
        gate_code = next((code for code, (source, move, _dest) in lifecycle.GATE_MOVES.items()
                          if move == trigger and source == transition["source"]), None)
        if gate_code is not None:
            needs.insert(0, f"Gate {gate_code[1]} approved")
        rows.append(" | ".join([
            f"| {lifecycle.TRIGGER_LABELS[trigger]} (`{trigger}`)",
            ", ".join(_label(state) for state in _states(transition["source"])),
            _label(transition["dest"]),
            lifecycle.PERMISSIONS[trigger].who,
            "; ".join(needs) or "-",
        ]) + " |")
    return "\n".join(rows)


def gates_table() -> str:
    """The four gates: what each moves and its default approvers."""
    rows = ["| gate | name | moves | approvers by default |", "|---|---|---|---|"]
    for code, spec in gate.GATES.items():
        approvers = "one" if spec.quorum == 1 else str(spec.quorum)
        rows.append(f"| {code} | {spec.name} | {_label(spec.from_state)} -> {_label(spec.to_state)} "
                    f"| {approvers} with the {spec.approver_role} role |")
    return "\n".join(rows)


def decisions_table() -> str:
    """Each decision an approver may record and what it does to the review at once."""
    rows = ["| decision | what it does to the review |", "|---|---|"]
    for decision in gate.DECISIONS:
        if decision in gate.APPROVING_DECISIONS:
            effect = "counts towards the quorum; the review is approved when the quorum is met"
        elif gate.DECISION_OUTCOMES[decision] in gate.OPEN_REVIEW_STATES:
            effect = f"keeps the review open, {gate.DECISION_OUTCOMES[decision]}, until the PMO asks for it again"
        else:
            effect = f"settles the review: {gate.DECISION_OUTCOMES[decision]}"
        rows.append(f"| {gate.DECISION_LABELS[decision]} | {effect} |")
    return "\n".join(rows)


def editing_table() -> str:
    """Each record kept beside an initiative and the states in which it may change."""
    rows = ["| record | may change in |", "|---|---|"]
    for kind, rule in editing.EDIT_RULES.items():
        rows.append(f"| {editing.KIND_LABELS[kind]} | {', '.join(_label(state) for state in rule.states)} |")
    return "\n".join(rows)


def _mermaid(transitions: Iterable[tuple[str, str, str]], start: str, ends: Iterable[str]) -> str:
    lines = ["```mermaid", "stateDiagram-v2", f"    [*] --> {start}"]
    lines += [f"    {source} --> {dest}: {trigger}" for source, dest, trigger in transitions]
    lines += [f"    {end} --> [*]" for end in ends]
    return "\n".join([*lines, "```"])


def lifecycle_diagram() -> str:
    """The lifecycle as a Mermaid state diagram (GitHub and most editors draw it)."""
    moves = [(source, transition["dest"], transition["trigger"])
             for transition in lifecycle.TRANSITIONS for source in _states(transition["source"])]
    return _mermaid(moves, "draft", sorted(lifecycle.TERMINAL_STATES))


def review_diagram() -> str:
    """A gate review's own machine."""
    moves = [(transition["source"], transition["dest"] or transition["source"], transition["trigger"])
             for transition in gate.REVIEW_TRANSITIONS]
    return _mermaid(moves, "requested", ["decided"])


def conditions_diagram() -> str:
    """A gate condition's machine."""
    moves = [(transition["source"], transition["dest"], transition["trigger"]) for transition in conditions.TRANSITIONS]
    return _mermaid(moves, "open", [state for state in conditions.CONDITION_STATES if state != "open"])


BLOCKS: dict[str, Callable[[], str]] = {
    "lifecycle-table": lifecycle_table,
    "lifecycle-diagram": lifecycle_diagram,
    "gates-table": gates_table,
    "decisions-table": decisions_table,
    "editing-table": editing_table,
    "review-diagram": review_diagram,
    "conditions-diagram": conditions_diagram,
}

_BLOCK = re.compile(r"(<!-- generated: ([a-z-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def refreshed(document: str) -> str:
    """`document` with every generated block rewritten from the code; unknown names raise."""
    def render(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in BLOCKS:
            raise KeyError(f"No generated block called {name!r}")
        return f"{match.group(1)}{BLOCKS[name]()}\n{match.group(4)}"

    return _BLOCK.sub(render, document)


def block_names(document: str) -> list[str]:
    """The names of the generated blocks in `document`, in order."""
    return [match.group(2) for match in _BLOCK.finditer(document)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="rewrite the generated blocks of this Markdown file")
    parser.add_argument("block", nargs="?", choices=sorted(BLOCKS), help="print one block")
    arguments = parser.parse_args(argv)
    if arguments.write:
        arguments.write.write_text(refreshed(arguments.write.read_text(encoding="utf-8")), encoding="utf-8")
    elif arguments.block:
        print(BLOCKS[arguments.block]())
    else:
        parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
