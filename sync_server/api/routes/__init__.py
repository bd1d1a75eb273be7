"""Route modules, one per area: accounts and sites, rosters, sync, reports."""
