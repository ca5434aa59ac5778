"""The API's resources, one module each: schemas → store → route."""
