"""Public utilities, as in Prefect 3's ``prefect.utilities``."""
