"""Settings and security primitives of the sync server."""
