"""The kernel side of docgen_magic: the magics, the review and the only code that touches ipykernel.

Its modules reach the core through :mod:`docgen_magic.api`; :mod:`docgen_magic.kernel.protocol` is the one
definition of what the kernel and the JupyterLab / Notebook 7 extension say to each other.
"""
