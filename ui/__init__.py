"""The PySide6 desktop app: the only Qt in the project."""
