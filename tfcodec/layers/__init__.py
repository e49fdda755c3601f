"""Our own Keras layers. GDN, SignalConv and entropy models come from tensorflow_compression."""

from tfcodec.layers.subpixel import SubPixelConv2D

__all__ = ["SubPixelConv2D"]
