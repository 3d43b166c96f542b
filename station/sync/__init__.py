"""Sync to the central receiver: packets, the outbox worker, the link monitor (no Qt)."""
