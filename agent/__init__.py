"""The voice agent: a LangGraph state machine over the tool registry."""
