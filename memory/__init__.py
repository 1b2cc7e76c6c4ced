"""Conversation memory: checkpointers, transcripts and entity focus."""
