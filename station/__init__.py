"""The station's domain: demographics and NIK rules, the enrollment workflow, login,
configuration, and the `station` command line. No Qt here."""
