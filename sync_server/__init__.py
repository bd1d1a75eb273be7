"""The health bureau's FastAPI server: auth, roster distribution, event ingest, reconciliation, exports."""
