"""The site hub: the sync server in site mode, relaying its site's log to and from the bureau.

`link` speaks to the bureau (the wire contract of vaccination.wire), `mirror` writes what
the bureau says into the hub's own database, `relay` runs both ways in a background thread.
"""
