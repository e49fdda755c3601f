"""The GDN transforms of Ballé et al. (2017, 2018), built from Keras convolutions.

Analysis: four 5x5 stride-2 convolutions with GDN between them (16x down).
Synthesis: four sub-pixel convolutions with inverse GDN between them (16x up).
GDN is `tfcodec.layers.GDN` (tfc.GDN with one fixed code path). Every convolution is a plain correlation (no transposed
convolutions), so the decoder maps onto TFLite builtin ops once its kernels
are materialized; with kernel_parameter="dct" the kernels are trained in
tfc's Fourier-domain parameterization.
"""

import tensorflow as tf

from tfcodec.layers.gdn import GDN
from tfcodec.layers.subpixel import SubPixelConv2D, conv2d

__all__ = ["analysis_transform", "synthesis_transform",
           "hyper_analysis_transform", "hyper_synthesis_transform"]


def analysis_transform(num_filters, latent_channels, name="analysis",
                       kernel_parameter="dct"):
  """x in [0, 255] -> latents y at 1/16 resolution."""
  layers = [tf.keras.layers.Rescaling(1.0 / 255.0)]
  for i in range(3):
    layers.append(conv2d(num_filters, 5, strides=2, name=f"conv_{i}",
                         kernel_parameter=kernel_parameter))
    layers.append(GDN(name=f"gdn_{i}"))
  layers.append(conv2d(latent_channels, 5, strides=2, name="conv_3",
                       kernel_parameter=kernel_parameter))
  return tf.keras.Sequential(layers, name=name)


def synthesis_transform(num_filters, name="synthesis",
                        kernel_parameter="dct"):
  """Latents y -> reconstruction in [0, 255] at 16x the resolution."""
  layers = []
  for i in range(3):
    layers.append(SubPixelConv2D(num_filters, 3, name=f"up_{i}",
                                 kernel_parameter=kernel_parameter))
    layers.append(GDN(inverse=True, name=f"igdn_{i}"))
  layers.append(SubPixelConv2D(3, 3, name="up_3",
                               kernel_parameter=kernel_parameter))
  layers.append(tf.keras.layers.Rescaling(255.0))
  return tf.keras.Sequential(layers, name=name)


def hyper_analysis_transform(num_filters, name="hyper_analysis",
                             kernel_parameter="dct"):
  """|y| -> hyper-latents z at 1/4 of y's resolution."""
  return tf.keras.Sequential([
      conv2d(num_filters, 3, activation=tf.nn.relu, name="conv_0",
             kernel_parameter=kernel_parameter),
      conv2d(num_filters, 5, strides=2, activation=tf.nn.relu, name="conv_1",
             kernel_parameter=kernel_parameter),
      conv2d(num_filters, 5, strides=2, use_bias=False, name="conv_2",
             kernel_parameter=kernel_parameter),
  ], name=name)


def hyper_synthesis_transform(num_filters, latent_channels,
                              name="hyper_synthesis", kernel_parameter="dct"):
  """z_hat -> scale indexes for y (one per latent element)."""
  return tf.keras.Sequential([
      SubPixelConv2D(num_filters, 3, activation="relu", name="up_0",
                     kernel_parameter=kernel_parameter),
      SubPixelConv2D(num_filters, 3, activation="relu", name="up_1",
                     kernel_parameter=kernel_parameter),
      conv2d(latent_channels, 3, name="conv_2",
             kernel_parameter=kernel_parameter),
  ], name=name)
