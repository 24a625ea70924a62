"""What a person asks for, once for every front end: the queue, training, knowledge sync."""
