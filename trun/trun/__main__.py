"""``python -m trun``: the same as the ``trun`` command."""

from trun.cmdline import trun_run

trun_run()
