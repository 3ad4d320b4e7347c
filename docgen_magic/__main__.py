"""``python -m docgen_magic``: the same as the ``docgen`` command."""

from docgen_magic.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
