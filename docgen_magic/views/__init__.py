"""HTML and plain-text renderings of results, below the API: the core's Result shows itself through them.

They import only the core (and Pygments, when it is installed): the API registers the renderer, and the kernel
shell builds its review and check outputs on them.
"""
