# timm 1.0.31, timm/models/_manipulate.py: named_apply(fn, module) calls fn(module=child, name=...)
# on every submodule below `module` (recursively, children first; `module` itself only with
# include_root=True). Its effect on initialisation, as the analysis reads it: module.apply(fn).
# (No __init__.py in stubs/timm: timm's own package files are read from the installed source.)


def named_apply(fn, module, name="", depth_first=True, include_root=False):
    module.apply(fn)
    return module
