"""Redwheel (红色方向盘): a NoneBot2 chatbot for truck drivers' mobile party branches."""

__version__ = "0.1.0"
