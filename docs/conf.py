"""Sphinx configuration for zmq_cffi's documentation.

Build: bash .ci/docs.sh  (or: sphinx-build -W -b html docs docs/_build/html)
autodoc imports the installed zmq_cffi, so build with an interpreter that has it installed
(the repository's .venv/cpython has it editable).
"""
from __future__ import annotations

import zmq_cffi

project = "zmq_cffi"
author = "the zmq_cffi developers"
copyright = "the zmq_cffi developers"
release = zmq_cffi.zmq_cffi_version
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

# Docstrings write `name` for code, as Markdown does: render it as code.
default_role = "code"
highlight_language = "python3"
exclude_patterns = ["_build", "examples"]
templates_path: list = []

autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "both"

html_theme = "alabaster"
html_title = f"zmq_cffi {release}"
html_static_path: list = []
html_theme_options = {
    "description": "pyzmq's API over the system libzmq, built with CFFI",
    "fixed_sidebar": True,
}
