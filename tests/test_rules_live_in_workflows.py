"""Every rule of what may happen in which state lives in workflows/ as data (issue 15).

Screens and services ask workflows/ rather than deciding: outside it no module keeps its
own list of lifecycle states, nor refuses an action with the workflow's IllegalTransition
or NotPermitted itself (it calls a workflows/ function that does). Templates get their
groups of states from the view or from workflows/, never as a literal list.

Checked on the source: every pmo_web module's syntax tree, and every template's text.
"""
import ast
import re
from pathlib import Path

from workflows.lifecycle import STATES

REPOSITORY = Path(__file__).resolve().parents[1]
REFUSALS = {"IllegalTransition", "NotPermitted"}
# Lists that look like states and are not, each with why. Keep it short.
NOT_STATE_LISTS = {
    # The stage a generated lesson is filed under: keys of STAGES, named like states.
    ("pmo_web/scale.py", ("delivery", "business_case", "benefits_review")),
}


def is_state_list(strings: list[str]) -> bool:
    """Two or more lifecycle state names, and most of the strings are state names.

    A list of other things that happens to hold a state name or two (the blueprints, named
    after the stages, among twenty others) is not a list of states.
    """
    states = sum(s in STATES for s in strings)
    return states >= 2 and states * 2 > len(strings)


def findings(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = raised.id if isinstance(raised, ast.Name) else getattr(raised, "attr", None)
            if name in REFUSALS:
                found.append(f"{where}:{node.lineno} raises {name}")
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if is_state_list(strings) and (where, tuple(strings)) not in NOT_STATE_LISTS:
                found.append(f"{where}:{node.lineno} lists states {strings}")
    return sorted(found, key=lambda finding: int(finding.split(":")[1].split()[0]))


# A parenthesised or bracketed run of quoted words in a template: ("delivery", "on_hold").
TEMPLATE_LIST = re.compile(r"""[(\[]\s*((?:["'][a-z_]+["']\s*,\s*)+["'][a-z_]+["'])\s*,?\s*[)\]]""")


def template_findings(text: str, where: str) -> list[str]:
    found = []
    for match in TEMPLATE_LIST.finditer(text):
        strings = re.findall(r"""["']([a-z_]+)["']""", match.group(1))
        if is_state_list(strings):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{where}:{line} lists states {strings}")
    return found


def test_no_module_outside_workflows_lists_states_or_refuses_by_itself():
    found = []
    for path in sorted((REPOSITORY / "pmo_web").rglob("*.py")):
        found += findings(path.read_text(encoding="utf-8"), str(path.relative_to(REPOSITORY)))
    assert found == []


def test_no_template_lists_states():
    found = []
    for path in sorted((REPOSITORY / "templates").rglob("*.html")):
        found += template_findings(path.read_text(encoding="utf-8"), str(path.relative_to(REPOSITORY)))
    assert found == []


def test_the_checks_find_what_they_look_for():
    source = '''
EDITABLE = ("delivery", "on_hold")
other = ["triage", "info_requested", "x"]
def check(state):
    if state != "scoring":
        raise IllegalTransition(["No"])
    raise lifecycle.NotPermitted("No")
'''
    assert findings(source, "m.py") == [
        "m.py:2 lists states ['delivery', 'on_hold']",
        "m.py:3 lists states ['triage', 'info_requested', 'x']",
        "m.py:6 raises IllegalTransition",
        "m.py:7 raises NotPermitted",
    ]
    # Not lists of states: one state, things named like stages among others, other errors.
    assert findings('A = ("scoring",)\nB = ["auth", "triage", "scoring", "gates", "raid"]\n'
                    'raise GuardRefused(["No"])\nSTATUS = {"open", "closed"}\n', "m.py") == []
    assert template_findings('{% if s in ("benefits_review", "closed") %}\n{% if k in [\'on_hold\', \'overdue\'] %}',
                             "t.html") == ["t.html:1 lists states ['benefits_review', 'closed']"]
