"""The entry criteria checklist agrees with the lifecycle guards it shows."""
import pytest

from pmo_web.extensions import db
from pmo_web.gates import service
from pmo_web.gates.criteria import entry_checklist
from pmo_web.workflow import facts_for
from tests import factories

from .helpers import GATE_STATES


@pytest.mark.parametrize("gate", list(GATE_STATES))
def test_nothing_done_fails_the_checklist_and_the_guards(users, gate):
    initiative = factories.make_initiative(owner=users["requester"], state=GATE_STATES[gate])
    factories.make_benefit(initiative)  # at G4, a benefit with no actual; at other gates ignored
    factories.make_milestone(initiative, done=False)  # at G3, open without a variance
    checklist = entry_checklist(gate, facts_for(initiative))
    assert not any(criterion.met for criterion in checklist)
    assert service.entry_failures(initiative)


@pytest.mark.parametrize("gate", list(GATE_STATES))
def test_everything_done_passes_both(at_gate, gate):
    initiative = at_gate(gate)
    assert all(criterion.met for criterion in entry_checklist(gate, facts_for(initiative)))
    assert service.entry_failures(initiative) == []


def test_an_accepted_variance_settles_an_open_milestone(at_gate):
    initiative = at_gate("G3")
    factories.make_milestone(initiative, done=False, name="Training", variance_accepted=True)
    db.session.flush()
    assert [c.met for c in entry_checklist("G3", facts_for(initiative))] == [True]
    assert service.entry_failures(initiative) == []


def test_a_reason_accounts_for_a_benefit_without_an_actual(at_gate):
    initiative = at_gate("G4")
    factories.make_benefit(initiative, name="Fewer complaints", no_actual_reason="Survey moved to 2028")
    db.session.flush()
    assert entry_checklist("G4", facts_for(initiative))[0].met
    assert service.entry_failures(initiative) == []


def test_unknown_gate_is_a_programming_error(at_gate):
    with pytest.raises(ValueError):
        entry_checklist("G9", facts_for(at_gate("G1")))
