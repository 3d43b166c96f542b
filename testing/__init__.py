"""Support for the tests and the benchmarks: fault proxy, process harness, checkers.

Not part of the product: the installed wheel leaves it out, and an import-linter
contract keeps the product from importing it.
"""
