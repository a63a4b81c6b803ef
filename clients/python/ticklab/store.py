"""Old public path of the Layer 1 store reader: a thin re-export of :mod:`ticklab.io.store`.

Kept so ``ticklab.store`` keeps working; new code imports ``ticklab.io.store``.
"""

from ticklab.io.store import *  # noqa: F403
from ticklab.io.store import __all__  # noqa: F401
