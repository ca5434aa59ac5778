"""The ``riverrun`` command line: a thin presentation layer over the client and settings."""
