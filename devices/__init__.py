"""Enrollment peripherals: driver interfaces, drivers, simulators, quality checks, self-test.

No Qt here. A missing library or port is a reason string, never an import error.
"""
