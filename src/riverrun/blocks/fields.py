"""Field types for blocks: ``SecretDict`` (Prefect's ``prefect.types.SecretDict``)."""

from __future__ import annotations

from typing import Any

from pydantic import Secret

from riverrun.schemas.blocks import OBFUSCATED


class SecretDict(Secret[dict[str, Any]]):
    """A dict whose values are secret: encrypted at rest, masked when shown.

    The keys stay readable in listings (``{"Authorization": "**********"}``);
    ``.get_secret_value()`` returns the whole dict.
    """

    def _display(self) -> str:
        masked = {key: OBFUSCATED for key in self.get_secret_value()}
        return str(masked)


__all__ = ["SecretDict"]
