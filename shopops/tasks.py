"""Background tasks of the core. Every task is idempotent: running it twice has the effect of running it once."""


def ping(message: str) -> str:
    """Round trip through the queue: used to check that a worker is alive and reads the broker."""
    return f"pong: {message}"
