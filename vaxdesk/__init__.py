"""The `vaxdesk` command line: one entry point that dispatches to each part of the system."""
