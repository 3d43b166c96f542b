"""The lowest layer: error types, progress and cancel tokens, biometric kinds.

Everything else (store, devices, station, ui) may import this package; it imports
none of them and never Qt.
"""
