"""The desk's views: check-in, doctor, manager, vaccine lots; thin, over a DeskService."""
