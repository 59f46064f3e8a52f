"""The scenario code's error: one line naming the file, the field and what was expected."""

from __future__ import annotations

from pydantic import ValidationError

from detente.io.errors import InputError
from detente.io.errors import pydantic_error as _one_line
from detente.scenario.distributions import DIST_TAGS

__all__ = ["ScenarioError", "pydantic_error"]

# One error type for every file the project reads (detente.io), under the
# name the scenario code has always used.
ScenarioError = InputError


def pydantic_error(file: str, err: ValidationError, prefix: str = "") -> ScenarioError:
    """The first of pydantic's errors as one line (:func:`detente.io.errors.pydantic_error`),
    with the distribution kinds (``dist:``) as the scenario's tagged union."""
    return _one_line(file, err, prefix, tags=DIST_TAGS, tag_field="dist")
