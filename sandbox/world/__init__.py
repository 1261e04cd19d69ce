"""The simulated world on loopback: a warehouse, moto's S3 and the HTTP mocks, plus the env file that points at them."""
