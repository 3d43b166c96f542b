"""The reference central receiver: speaks only the wire protocol (docs/sync-protocol.md).

It imports nothing of the station but `wire`, so it can be run, tested and reasoned
about as the far side of the link, the way a real national centre would be.
"""
