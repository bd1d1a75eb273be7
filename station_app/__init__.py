"""The PySide6 desk app: views, Qt models, the local store, the check-in service, the sync client."""
