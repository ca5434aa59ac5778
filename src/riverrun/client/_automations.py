"""``find_automation`` as Prefect's client has it: an unknown ID raises, an unknown name is None.

Over HTTP the operation's "nothing found" is a 404 either way, so the difference Prefect makes
between the two is made here, the same for every backend.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Optional, Union

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI
    from riverrun.schemas.automations import AutomationRecord


class AutomationClientMixin:
    """Prefect's ``find_automation``."""

    _backend: StoreAPI

    def find_automation(self, id_or_name: Union[str, uuid.UUID]) -> Optional[AutomationRecord]:
        """The automation with this ID, or else the first with this name (exactly, then in any
        case); None when no name matches.

        Raises:
            ObjectNotFound: ``id_or_name`` is an ID (a UUID or its text) no automation has;
                it is not looked up as a name then, as Prefect's client does.
        """
        from riverrun.exceptions import ObjectNotFound

        found = self._backend.find_automation(str(id_or_name))
        if found is None and _is_uuid(id_or_name):
            raise ObjectNotFound(
                f"No automation with id {id_or_name}; `riverrun automation ls` lists them."
            )
        return found


def _is_uuid(value: Union[str, uuid.UUID]) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
