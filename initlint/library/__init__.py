"""Library knowledge, keyed by resolved qualified names, kept out of the interpreter.

- `known.py`: what the analysis knows of particular libraries (torchvision, einops,
  transformers) as code composed into the interpreter.
- `stubs/`: Python in torch terms for what a library's own source cannot tell the analysis
  (transformers' `post_init()` runs `self._init_weights` on every submodule through four
  calls and a monkey-patched `smart_apply`). The module resolver serves a stub before the
  installed source of the same module (program/environment.py); stubs are read, never
  imported. `stubs/` has no `__init__.py`: `stubs/transformers/modeling_utils.py` is module
  `transformers.modeling_utils`.
- `hooks/`: what a stub cannot say (a value chosen by a string argument), as functions keyed
  by the resolved qualified name of what a file calls, loaded only for a package the file uses.
"""
