"""Landings: the landing bucket's object-created events, read off its SQS queue, recorded once each in
``ops.landings`` and announced as partitioned asset events (docs/landing.md)."""
