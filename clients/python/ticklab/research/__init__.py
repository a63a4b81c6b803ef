"""Indicator kinds written in Python during research; importing a module registers its kind.

- `ticklab.research.trade_flow`: ``py_trade_flow``, signed traded volume with decay (event style;
  its C++ port is the built-in kind ``trade_flow``, docs/research.md);
- `ticklab.research.book_shape`: ``py_spread``, the ``spread`` kind's columns vectorised with numpy.
"""
