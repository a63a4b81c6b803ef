"""trun's version, as ``luigi.__version__`` holds Luigi's (``trun.VERSION``, ``trun.__version__``)."""

VERSION = "0.1.0"
