"""The health bureau's FastAPI server: auth, rosters, event ingest, reconciliation, exports."""
