"""The administration console's tabs, one module each; ui.console_admin assembles them."""
