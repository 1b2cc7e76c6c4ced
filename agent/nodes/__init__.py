"""One module per node: understand → resolve → confirm → execute → respond."""
