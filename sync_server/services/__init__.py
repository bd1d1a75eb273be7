"""What the server does, apart from HTTP: accounts, ingest, pull, rosters, reports, exports."""
