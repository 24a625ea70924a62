"""Chat front ends: buttons pressed in a chat call the queue's use cases, like the page."""
