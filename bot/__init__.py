"""replybot: answers comments on a creator's channels in the creator's own voice."""

__version__ = "0.1.0"
