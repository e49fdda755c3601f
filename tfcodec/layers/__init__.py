"""Our own Keras layers. GDN, SignalConv and entropy models come from tensorflow_compression."""

from tfcodec.layers.gdn import GDN
from tfcodec.layers.subpixel import SubPixelConv2D

__all__ = ["GDN", "SubPixelConv2D"]
