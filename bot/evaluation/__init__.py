"""Evaluation: run an evaluation set through the real pipeline and measure the replies."""
