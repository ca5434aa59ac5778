"""Concurrency and rate limits: ``riverrun.concurrency.sync`` and ``riverrun.concurrency.asyncio``
(Prefect's ``prefect.concurrency.sync`` / ``.asyncio``). Every held slot is a lease, renewed
while the block runs and freed when it ends, or when the lease expires if the process died."""
