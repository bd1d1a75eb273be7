"""The server database: tables, engine set-up and migrations."""
