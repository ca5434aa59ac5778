"""Secret fields of blocks, encrypted at rest with Fernet.

The key comes from ``RIVERRUN_SERVER_ENCRYPTION_KEY`` or, failing that, from
``$RIVERRUN_HOME/fernet.key`` (made once, readable by its owner only). Each secret value is
stored as ``{"__riverrun_fernet__": token}``.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riverrun.exceptions import StoreError
from riverrun.schemas.blocks import transform_secrets

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

ENCRYPTION_KEY_ENV = "RIVERRUN_SERVER_ENCRYPTION_KEY"
_ENCRYPTED = "__riverrun_fernet__"

_fernet_lock = threading.Lock()
_fernet_cache: dict[str, Fernet] = {}


def encryption_key_path() -> Path:
    """Where the embedded store keeps its Fernet key: ``$RIVERRUN_HOME/fernet.key``."""
    from riverrun.settings import get_current_settings

    return Path(get_current_settings().home) / "fernet.key"


def get_fernet() -> Fernet:
    """The Fernet used for secret fields: from the environment, or the key file (made once)."""
    from cryptography.fernet import Fernet

    env_key = os.environ.get(ENCRYPTION_KEY_ENV)
    cache_key = f"env:{env_key}" if env_key else f"file:{encryption_key_path()}"
    with _fernet_lock:
        fernet = _fernet_cache.get(cache_key)
        if fernet is None:
            raw = env_key.encode() if env_key else _read_or_create_key(encryption_key_path())
            try:
                fernet = Fernet(raw)
            except ValueError:
                source = ENCRYPTION_KEY_ENV if env_key else str(encryption_key_path())
                raise StoreError(
                    f"The block encryption key in {source} is not a valid Fernet key "
                    "(32 url-safe base64-encoded bytes). Restore the original key; a new "
                    "one can be made with `python -c 'from cryptography.fernet import "
                    "Fernet; print(Fernet.generate_key().decode())'` but cannot read "
                    "secrets saved with the old one."
                ) from None
            _fernet_cache[cache_key] = fernet
    return fernet


def _read_or_create_key(path: Path) -> bytes:
    from cryptography.fernet import Fernet

    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".fernet.key.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, Fernet.generate_key())
    finally:
        os.close(fd)
    try:
        # link() fails if another process created the key first, so every process ends up
        # with the same key and nobody ever reads a half-written file.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()


def encrypt_data(data: dict[str, Any], secret_fields: list[str]) -> dict[str, Any]:
    """A copy of ``data`` with each secret value replaced by ``{"__riverrun_fernet__": token}``."""
    if not secret_fields:
        return data
    fernet = get_fernet()

    def encrypt(value: Any) -> Any:
        if _is_encrypted(value):
            return value
        return {_ENCRYPTED: fernet.encrypt(json.dumps(value).encode()).decode()}

    return transform_secrets(data, secret_fields, encrypt)


def decrypt_data(data: dict[str, Any], secret_fields: list[str], where: str) -> dict[str, Any]:
    """A copy of ``data`` with each encrypted value decrypted."""
    if not secret_fields:
        return data
    from cryptography.fernet import InvalidToken

    fernet = get_fernet()

    def decrypt(value: Any) -> Any:
        if not _is_encrypted(value):
            return value
        try:
            return json.loads(fernet.decrypt(value[_ENCRYPTED].encode()))
        except InvalidToken:
            source = os.environ.get(ENCRYPTION_KEY_ENV) and ENCRYPTION_KEY_ENV
            raise StoreError(
                f"Cannot decrypt the secret fields of block {where!r}: the encryption key "
                f"({source or encryption_key_path()}) is not the one they were saved with. "
                "Restore the original key, or save the block again with its values."
            ) from None

    return transform_secrets(data, secret_fields, decrypt)


def _is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {_ENCRYPTED}
