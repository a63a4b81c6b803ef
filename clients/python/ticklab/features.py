"""Old public path of the Layer 2 feature reader: a thin re-export of :mod:`ticklab.io.features`.

Kept so ``ticklab.features`` keeps working; new code imports ``ticklab.io.features``.
"""

from ticklab.io.features import *  # noqa: F403
from ticklab.io.features import __all__  # noqa: F401
