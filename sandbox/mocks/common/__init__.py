"""Shared mock machinery: store, auth, faults, control API, server entry point."""
