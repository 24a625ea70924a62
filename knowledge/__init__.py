"""The creator's knowledge base: loaders, chunking, embeddings, the Chroma store and retrieval."""
