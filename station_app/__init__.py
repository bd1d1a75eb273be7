"""The PySide6 desk app: views, Qt models, local store, check-in service, sync client."""
