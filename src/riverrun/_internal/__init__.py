"""Internal helpers shared by every layer; nothing here is public API."""
