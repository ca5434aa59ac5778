"""Lock managers for transactions at the SERIALIZABLE isolation level, as ``prefect.locking``.

``memory.MemoryLockManager`` serialises threads of one process; ``filesystem.FileSystemLockManager``
serialises processes sharing a directory. Both follow ``protocol.LockManager``.
"""
