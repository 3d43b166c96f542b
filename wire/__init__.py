"""The sync wire contract shared by the station and the central receiver.

Only the standard library and `cryptography`: the central receiver imports this and
nothing else of the station (see docs/sync-protocol.md).
"""
