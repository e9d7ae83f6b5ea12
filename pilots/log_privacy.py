"""Log lines carry ids, never personal data: what to put in place of what would identify someone.

A log line outlives every retention setting (it is shipped, rotated and backed up outside the
database) and is read by people who have no business knowing who failed to log in or whose
address bounced. So the few places that must log something a person typed or an SMTP server
answered pass it through here first. (django-axes masks the username and address in its own
lines: AXES_SENSITIVE_PARAMETERS, left at its default.)
"""

import re

# Good enough to find an address in an exception's text; not a validator.
_ADDRESS = re.compile(r"[^\s@'\"<>(),;:\[\]]+@[^\s@'\"<>(),;:\[\]]+")
REDACTED_ADDRESS = "<address>"


def addresses_redact(text: str) -> str:
    """`text` with every e-mail address in it replaced (an SMTP error names its recipients)."""
    return _ADDRESS.sub(REDACTED_ADDRESS, text)


def exception_describe(exc: BaseException) -> str:
    """An exception for a log line: its type and its message without addresses."""
    return addresses_redact(f"{type(exc).__name__}: {exc}")
