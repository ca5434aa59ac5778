"""Built-in blocks for plain values: ``Secret``, ``String``, ``JSON``, ``DateTime``.

Example::

    from riverrun.blocks.system import Secret

    Secret(value="sk-123").save("openai-key")
    Secret.load("openai-key").get()
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, JsonValue, SecretStr

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

    value: SecretStr | JsonValue = Field(
        default=...,
        description="A value that should be kept secret.",
        union_mode="left_to_right",
        json_schema_extra={"secret": True},
    )

    def get(self) -> Any:
        """The secret value, revealed."""
        value = self.value
        return value.get_secret_value() if isinstance(value, SecretStr) else value


__all__ = ["JSON", "DateTime", "Secret", "String"]
