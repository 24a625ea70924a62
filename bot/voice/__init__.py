"""The creator's voice offline: voice examples, training data, fine-tuning jobs."""
