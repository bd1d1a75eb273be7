"""The page routes, one module per page, gathered into one router by `sync_server.web.router`."""
