"""Row ids in addresses: `<int:...>` takes the digits 0 to 9 only, in every address of the
url_map (werkzeug's own converter also reads other scripts' digits: /initiatives/١٢ was 12).
"""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from pmo_web import RowIdConverter
from pmo_web.extensions import db
from tests import factories

OTHER_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")  # Arabic-Indic


def test_every_address_takes_row_ids_in_the_digits_0_to_9_only(app):
    adapter = app.url_map.bind("localhost")
    # werkzeug keeps each rule's converters by argument name (no public accessor).
    rules = [rule for rule in app.url_map.iter_rules()
             if any(isinstance(converter, RowIdConverter) for converter in rule._converters.values())]
    assert len(rules) > 50
    for rule in rules:
        values = {name: (424242 if isinstance(converter, RowIdConverter) else "x")
                  for name, converter in rule._converters.items()}
        values.update({name: "2026-12" for name in rule.arguments if name == "month"})
        path = rule.build(values, append_unknown=False)[1]
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        assert adapter.match(path, method=method)[0] == rule.endpoint, path
        with pytest.raises(NotFound):
            adapter.match(path.replace("424242", "424242".translate(OTHER_DIGITS)), method=method)


def test_an_initiative_in_other_digits_is_not_found(client, auth, users):
    initiative = factories.make_initiative(owner=users["requester"], state="delivery")
    db.session.commit()
    auth.login(users["pmo"])
    number = str(initiative.id)
    assert client.get(f"/initiatives/{number}").status_code == 200
    assert client.get(f"/initiatives/{number.translate(OTHER_DIGITS)}").status_code == 404
    assert client.get(f"/initiatives/{'０' * 3}{number}").status_code == 404  # fullwidth zeros
