"""Infrastructure: the docstring cache and the private event-loop thread."""
