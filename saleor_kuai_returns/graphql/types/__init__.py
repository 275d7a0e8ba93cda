"""Object types of the API."""
