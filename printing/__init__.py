"""What goes on paper: queue tickets (ESC/POS), consent forms and rosters (PDF), the print queue."""
