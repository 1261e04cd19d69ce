"""Build the SQL models of include/sql/ (staging, marts, exports) in dependency order."""
