"""Our own Keras layers. GDN, SignalConv and entropy models come from tensorflow_compression."""

from tfcodec.layers.conv_gru import ConvGRU
from tfcodec.layers.dct_conv import DCTConv2D
from tfcodec.layers.gdn import GDN
from tfcodec.layers.integer import IntegerNetwork
from tfcodec.layers.subpixel import SubPixelConv2D

__all__ = ["ConvGRU", "DCTConv2D", "GDN", "IntegerNetwork", "SubPixelConv2D"]
