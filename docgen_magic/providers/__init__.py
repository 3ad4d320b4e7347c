"""Docstring providers: the offline template, Azure OpenAI and OpenAI-compatible servers."""
