"""The GDN transforms of Ballé et al. (2017, 2018), built from Keras convolutions.

Analysis: four 5x5 stride-2 convolutions with GDN between them (16x down).
Synthesis: four sub-pixel convolutions with inverse GDN between them (16x up).
GDN is `tfc.GDN`. Plain Keras convolutions (rather than tfc.SignalConv2D) keep
the decoder convertible to TFLite builtin ops.
"""

import tensorflow as tf
import tensorflow_compression as tfc

from tfcodec.layers.subpixel import SubPixelConv2D

__all__ = ["analysis_transform", "synthesis_transform",
           "hyper_analysis_transform", "hyper_synthesis_transform"]


def analysis_transform(num_filters, latent_channels, name="analysis"):
  """x in [0, 255] -> latents y at 1/16 resolution."""
  layers = [tf.keras.layers.Rescaling(1.0 / 255.0)]
  for i in range(3):
    layers.append(tf.keras.layers.Conv2D(
        num_filters, 5, strides=2, padding="same", name=f"conv_{i}"))
    layers.append(tfc.GDN(name=f"gdn_{i}"))
  layers.append(tf.keras.layers.Conv2D(
      latent_channels, 5, strides=2, padding="same", name="conv_3"))
  return tf.keras.Sequential(layers, name=name)


def synthesis_transform(num_filters, name="synthesis"):
  """Latents y -> reconstruction in [0, 255] at 16x the resolution."""
  layers = []
  for i in range(3):
    layers.append(SubPixelConv2D(num_filters, 3, name=f"up_{i}"))
    layers.append(tfc.GDN(inverse=True, name=f"igdn_{i}"))
  layers.append(SubPixelConv2D(3, 3, name="up_3"))
  layers.append(tf.keras.layers.Rescaling(255.0))
  return tf.keras.Sequential(layers, name=name)


def hyper_analysis_transform(num_filters, name="hyper_analysis"):
  """|y| -> hyper-latents z at 1/4 of y's resolution."""
  return tf.keras.Sequential([
      tf.keras.layers.Conv2D(num_filters, 3, padding="same",
                             activation="relu", name="conv_0"),
      tf.keras.layers.Conv2D(num_filters, 5, strides=2, padding="same",
                             activation="relu", name="conv_1"),
      tf.keras.layers.Conv2D(num_filters, 5, strides=2, padding="same",
                             use_bias=False, name="conv_2"),
  ], name=name)


def hyper_synthesis_transform(num_filters, latent_channels,
                              name="hyper_synthesis"):
  """z_hat -> scale indexes for y (one per latent element)."""
  return tf.keras.Sequential([
      SubPixelConv2D(num_filters, 3, activation="relu", name="up_0"),
      SubPixelConv2D(num_filters, 3, activation="relu", name="up_1"),
      tf.keras.layers.Conv2D(latent_channels, 3, padding="same",
                             name="conv_2"),
  ], name=name)
