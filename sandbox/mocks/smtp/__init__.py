"""The SMTP sink: a real SMTP server that keeps every message it accepts and serves them back over HTTP."""
