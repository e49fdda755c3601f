"""tfcodec: a TensorFlow/Keras model zoo for learned image compression.

Importing the package is cheap: TensorFlow is imported only by the modules
that need it (models, zoo, training, cli).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
