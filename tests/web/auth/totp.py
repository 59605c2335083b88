"""Reading the second-factor setup page as an authenticator app would."""
import re

import pyotp

SETUP_KEY = re.compile(r'id="setup-key"><code>([A-Z2-7 ]+)</code>')


def code_from_setup_page(html: str) -> str:
    """The current code for the setup key the page shows."""
    return pyotp.TOTP(SETUP_KEY.search(html)[1].replace(" ", "")).now()
