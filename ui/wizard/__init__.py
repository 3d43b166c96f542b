"""The enrollment wizard: one page per workflow step, rendering station.workflow."""
