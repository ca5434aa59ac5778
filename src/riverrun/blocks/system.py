"""Built-in blocks for plain values: ``Secret``, ``String``, ``JSON``, ``DateTime``.

Example::

    from riverrun.blocks.system import Secret

    Secret(value="sk-123").save("openai-key")
    Secret.load("openai-key").get()
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic import Secret as PydanticSecret

from riverrun.blocks.core import Block


class JSON(Block):
    """A JSON value: anything ``json.dumps`` can write."""

    value: Any = Field(default=None, description="A JSON-compatible value.")


class String(Block):
    """A string value."""

    value: str = Field(default=..., description="A string value.")


class DateTime(Block):
    """A timestamp."""

    _block_type_name = "Date Time"

    value: datetime = Field(default=..., description="An ISO 8601-compatible datetime value.")


class Secret(Block):
    """A secret value, encrypted at rest and masked when shown; read it with ``.get()``.

    The value may be a string or any JSON value (a dict of credentials, say).
    """

    _description = "A block that represents a secret value. The value stored in this block will be obfuscated when this block is viewed or edited in the UI."

    value: SecretStr | PydanticSecret[Any] = Field(
        default=...,
        description="A value that should be kept secret.",
        union_mode="left_to_right",
        json_schema_extra={"secret": True},
    )

    @field_validator("value", mode="before")
    @classmethod
    def _wrap_value(cls, value: Any) -> Any:
        # As Prefect: any plain value (text, a dict of credentials...) becomes a pydantic
        # Secret of its own type, so it is masked wherever the block is shown.
        if isinstance(value, (SecretStr, PydanticSecret)):
            return value
        return PydanticSecret[type(value)](value)  # type: ignore[misc,operator]

    def get(self) -> Any:
        """The secret value, revealed; a string holding JSON is decoded, as Prefect does
        (``Secret(value="42").get()`` is ``42``), any other string is returned as it is."""
        value = self.value.get_secret_value()
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value


__all__ = ["JSON", "DateTime", "Secret", "String"]
