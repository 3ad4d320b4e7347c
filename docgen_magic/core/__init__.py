"""The pure core: parsing, facts, docstring model, validation, rendering and splicing.

Nothing in this package imports IPython's shell, widgets or the network.
"""
