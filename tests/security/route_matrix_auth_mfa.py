"""Who may open single sign-on and second-factor endpoints: sign-in steps are public (see
PUBLIC in route_matrix.py), your own second factor (and confirming it's you before changing
it) is everyone's, resetting someone else's is the admin's."""
from tests.security.route_matrix import ALL, Access

ENTRIES: dict[str, Access] = {
    "auth.oidc_login": Access(ALL),
    "auth.oidc_callback": Access(ALL),
    "auth.second_factor_code": Access(ALL),
    "auth.second_factor": Access(ALL),
    "auth.second_factor_setup": Access(ALL),
    "auth.second_factor_recovery_codes": Access(ALL),
    "auth.second_factor_remove": Access(ALL),
    "auth.confirm_identity": Access(ALL),
    "auth.second_factor_reset": Access(frozenset({"admin"}), method="POST"),
}
