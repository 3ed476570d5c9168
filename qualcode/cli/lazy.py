"""Modules a command needs, loaded the first time the command touches them.

Building the command tree must not import the store, SQLAlchemy, numpy or any analysis
module: ``qualcode --help`` would pay for all of them. Each command module names the
modules it uses with :func:`lazy_module`; the standard library's ``LazyLoader`` runs the
module's code on the first attribute access, so a command pays only for what it uses.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object whose code runs on first attribute access."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
