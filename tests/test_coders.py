"""Building range-coding tables: the compiled tail estimation."""

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc
from tensorflow_compression.python.distributions import helpers

from tfcodec.models import base


def test_compiled_tail_estimation_gives_the_eager_tables():
  tf.keras.utils.set_random_seed(2)
  prior = tfc.NoisyDeepFactorized(batch_shape=(3,))
  # A prior unlike the initial one, so that the tails are not trivial.
  for v in prior.trainable_variables:
    v.assign(v + tf.random.normal(v.shape, stddev=0.5))
  eager = tfc.ContinuousBatchedEntropyModel(prior, coding_rank=1,
                                            compression=True)
  with base._compiled_tail_estimation():  # pylint: disable=protected-access
    compiled = tfc.ContinuousBatchedEntropyModel(prior, coding_rank=1,
                                                 compression=True)
  tables = [(e.numpy(), c.numpy()) for e, c in zip(
      (eager.cdf, eager.cdf_offset, eager.quantization_offset),
      (compiled.cdf, compiled.cdf_offset, compiled.quantization_offset),
      strict=True)]
  for e, c in tables:
    np.testing.assert_array_equal(e, c)
  assert tables[0][0].size > 100  # real tables, not empty ones


def test_the_library_function_is_restored_afterwards():
  original = helpers.estimate_tails
  try:
    with base._compiled_tail_estimation():  # pylint: disable=protected-access
      assert helpers.estimate_tails is not original
      raise KeyError("inside")
  except KeyError:
    pass
  assert helpers.estimate_tails is original
