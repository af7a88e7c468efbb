"""Test support: shared paths, configuration readers, servers and HTTP clients."""
