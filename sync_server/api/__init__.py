"""The HTTP layer: dependencies, wire schemas and routes."""
