"""Service level agreements of deployments (``prefect._experimental.sla``)."""
