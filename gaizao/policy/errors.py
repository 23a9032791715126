"""Errors raised by the policy core.

Every error names what was wrong so a user, an API client or a log reader can fix the input without reading code.
"""

from __future__ import annotations


class PolicyInputError(ValueError):
    """An input the rules cannot be applied to.

    Parameters
    ----------
    field
        The name of the offending argument or input field (``"district"``, ``"units[3].area_m2"``, ``"on"``).
    message
        A full sentence that names the field and says what is wrong.

    The stable error code for API mapping is :attr:`code` (``"policy_input"``).
    """

    code = "policy_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[PolicyInputError], tuple[str, str]]:
        return (type(self), (self.field, self.message))


class RuleSetError(ValueError):
    """A rule set data file is missing, malformed or inconsistent.

    This is a deployment error (a bad file shipped with the code), not a user input error. The message names the
    file and the key path, e.g. ``hz-2022-10.toml: subsidy.districts[2].share: expected a decimal string``.
    """

    code = "ruleset_invalid"
