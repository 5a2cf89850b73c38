"""Human review: the queue, claim locks, corrections and what they teach the extractors."""
