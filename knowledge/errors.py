"""Errors of the knowledge base.

    KnowledgeError              base; the message says how to fix it
    ├── UnsupportedFile         a file type no loader reads
    ├── UnreadableFile          a file that exists but cannot be parsed
    └── EmbedderMismatch        the collection was built with another embedder
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of every knowledge-base failure."""


class UnsupportedFile(KnowledgeError):
    """No loader reads this kind of file."""


class UnreadableFile(KnowledgeError):
    """The file exists but could not be read or parsed."""


class EmbedderMismatch(KnowledgeError):
    """The collection's vectors come from another embedder than the configured one."""
