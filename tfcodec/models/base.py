"""The model contract every zoo model follows.

* `call(x, training)` takes a float batch `[B, H, W, 3]` in [0, 255] (H and W a
  multiple of `self.multiple`) and returns a dict with at least `x_hat` (the
  reconstruction) and `bits` (the rate estimate, summed over the batch).
* `compress(image)` is a `tf.function` with a uint8 `[H, W, 3]` input signature
  that returns a flat tuple of tensors: the SavedModel `encode` signature.
* `decompress(*tensors)` is a `tf.function` that returns a uint8 `[H, W, 3]`
  image: the `decode` signature. It is `entropy_decode` (range decoding, in
  TensorFlow) followed by `synthesis` (stock ops only, convertible to
  TFLite).
* `update()` builds the range-coding tables. It is an explicit step, done once
  after the weights are final (never as a side effect of `fit`).
* `get_config()` returns exactly the constructor arguments.

Training minimises `bpp + lmbda * mse` (MSE on the 0..255 scale) unless a
family overrides `loss_terms`; a variable-rate model may return a per-sample
`lmbda` from `call`, which then weighs each sample's MSE.
"""

import contextlib
import logging
import math

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc
from tensorflow_compression.python.distributions import helpers as tfc_helpers

__all__ = ["CompressionModel", "pad_to_multiple", "Coders"]


class PSNRFromMSE(tf.keras.metrics.Mean):
  """PSNR (0..255 scale) of the mean of the MSEs it is given.

  The PSNR of the mean MSE, not the mean of per-batch PSNRs, so that it does
  not depend on how a batch is split across replicas.
  """

  def result(self):
    mse = tf.maximum(super().result(), 1e-10)
    return 10.0 * tf.math.log(255.0 ** 2 / mse) / math.log(10.0)


class _NoiseKeys:
  """The sample indexes of the batch being trained on (or None)."""

  def __init__(self):
    self.index = None


class Coders:
  """Holds range-coding entropy models outside Keras tracking.

  They are built by `update()`, never trained, and never part of a training
  checkpoint. `state` holds the learned range-coding tables so that they can
  be shipped with the weights (see `CompressionModel.coder_state`).
  """

  def __init__(self):
    self.state = {}
    self.offsets = {}


def pad_to_multiple(x, multiple):
  """Pads a `[B, H, W, C]` batch to multiples of `multiple` by edge replication.

  Edge replication works for any size (1x1 included), unlike reflection, and
  adds less rate than zero padding.
  """
  shape = tf.shape(x)
  height, width = shape[1], shape[2]
  padded_h = (height + multiple - 1) // multiple * multiple
  padded_w = (width + multiple - 1) // multiple * multiple
  x = tf.gather(x, tf.minimum(tf.range(padded_h), height - 1), axis=1)
  x = tf.gather(x, tf.minimum(tf.range(padded_w), width - 1), axis=2)
  return x


@contextlib.contextmanager
def _compiled_tail_estimation():
  """Runs tfc's tail estimation as one graph instead of eagerly.

  Building a learned prior's coding tables estimates its tails with a
  `tf.while_loop` of about 1,700 Adam steps, which tensorflow-compression
  2.14.1 runs op by op when called eagerly: 11.8 s for the shipped
  hyperprior's side prior on this CPU (one thread), 58 s for a tiny test
  model with a training job on the other core. Traced as a `tf.function`,
  the same ops give bit-identical tables in 1.5 s and 2.1 s
  (`tests/test_coders.py`).
  """
  original = tfc_helpers.estimate_tails

  def compiled(func, target, shape, dtype):
    return tf.function(lambda: original(func, target, shape, dtype),
                       autograph=False)()

  # Each call traces a new function once, which TF would log as frequent
  # retracing.
  logger = tf.get_logger()
  quiet = _DropRetracingWarnings()
  tfc_helpers.estimate_tails = compiled
  logger.addFilter(quiet)
  try:
    yield
  finally:
    tfc_helpers.estimate_tails = original
    logger.removeFilter(quiet)


class _DropRetracingWarnings(logging.Filter):

  def filter(self, record):
    return "retracing" not in record.getMessage()


class CompressionModel(tf.keras.Model):
  """Base class of all zoo models: owns training and evaluation steps.

  Args:
    lmbda: the rate-distortion trade-off; the loss is `bpp + lmbda * mse`,
      with MSE measured on the 0..255 scale.
    **kwargs: passed to `tf.keras.Model`.
  """

  #: Height and width of inputs to `call` must be multiples of this.
  multiple = 1
  #: Constructor arguments for a tiny instance, used by the contract tests.
  tiny_config: dict = {}
  #: Names of the tensors `compress` returns (and `decompress` takes), used
  #: for SavedModel signatures. Byte strings end in "_bytes", which TF
  #: Serving's REST API base64-encodes.
  tensor_names: tuple = ()
  #: The constructor argument that a zoo quality sets, for families whose
  #: one set of weights serves several qualities (e.g. a JPEG quality, a
  #: number of iterations); None when each quality has its own weights.
  quality_argument = None
  #: Whether one model trains several trade-offs at once (its constructor
  #: takes them, rather than one `lmbda`).
  variable_rate = False

  def __init__(self, lmbda=0.01, **kwargs):
    super().__init__(**kwargs)
    self.lmbda = float(lmbda)
    self.loss_tracker = tf.keras.metrics.Mean(name="loss")
    self.bpp_tracker = tf.keras.metrics.Mean(name="bpp")
    self.mse_tracker = tf.keras.metrics.Mean(name="mse")
    self.psnr_tracker = PSNRFromMSE(name="psnr")
    self._coders = Coders()
    self._noise_keys = _NoiseKeys()

  # -- training ---------------------------------------------------------------

  def compile(self, optimizer="adam", **kwargs):
    """Compiles with our own loss; the optimizer's slots are built eagerly.

    Keras 2.14 builds optimizer slots on the first `apply_gradients`, inside
    the traced train step, which fails here (`Tensor.op is undefined`);
    building them now, eagerly, avoids that.
    """
    super().compile(optimizer=optimizer, loss=None, metrics=None, **kwargs)
    self.optimizer.build(self.trainable_variables)

  def loss_terms(self, x, outputs):
    """Returns (loss, bpp, mse) for one replica's batch."""
    num_pixels = tf.cast(tf.reduce_prod(tf.shape(x)[:-1]), tf.float32)
    bpp = tf.cast(outputs["bits"], tf.float32) / num_pixels
    x_hat = tf.cast(outputs["x_hat"], tf.float32)
    if "lmbda" in outputs:
      # Variable-rate training: each sample's own trade-off.
      mse_each = tf.reduce_mean(tf.math.squared_difference(x, x_hat),
                                axis=[1, 2, 3])
      return (self._variable_rate_loss(x, outputs, bpp, mse_each), bpp,
              tf.reduce_mean(mse_each))
    mse = tf.reduce_mean(tf.math.squared_difference(x, x_hat))
    return bpp + self.lmbda * mse, bpp, mse

  def _variable_rate_loss(self, x, outputs, bpp, mse_each):
    """The training loss when `call` gives per-sample `lmbda`s: the batch
    mean of bpp + lambda * MSE."""
    del x
    return bpp + tf.reduce_mean(outputs["lmbda"] * mse_each)

  @property
  def metrics(self):
    return [self.loss_tracker, self.bpp_tracker, self.mse_tracker,
            self.psnr_tracker]

  def _update_trackers(self, x, loss, bpp, mse):
    """Adds one replica's batch means, weighted by its number of images, so
    that the logged figures are per-image means over everything seen: a
    short last batch (validation) or an uneven split across replicas does
    not count for more than its images."""
    images = tf.cast(tf.shape(x)[0], tf.float32)
    for tracker, value in ((self.loss_tracker, loss), (self.bpp_tracker, bpp),
                           (self.mse_tracker, mse), (self.psnr_tracker, mse)):
      tracker.update_state(value, sample_weight=images)
    return {m.name: m.result() for m in self.metrics}

  @staticmethod
  def _unpack(data):
    """A batch is images, or {"image", "index"} from `tfcodec.data`."""
    if isinstance(data, dict):
      return tf.cast(data["image"], tf.float32), data.get("index")
    return tf.cast(data, tf.float32), None

  def _noise(self, t, salt: int):
    """Uniform noise in [-1/2, 1/2) shaped like the batch `t`.

    When the batch carries sample indexes (training on `tfcodec.data`), each
    sample's noise comes from a stateless generator keyed by (index, salt):
    it does not depend on how the batch is split across replicas or
    workers, and a resumed run draws what an uninterrupted one would.
    """
    index = self._noise_keys.index
    if index is None:
      return tf.random.uniform(tf.shape(t), -0.5, 0.5, dtype=tf.float32)
    shape = tf.shape(t)[1:]
    salt = tf.constant(salt, tf.int64)

    def one(i):
      return tf.random.stateless_uniform(shape, tf.stack([i, salt]), -0.5, 0.5)
    return tf.map_fn(one, tf.cast(index, tf.int64),
                     fn_output_signature=tf.float32)

  def _per_sample_choice(self, batch, count: int, salt: int):
    """One integer in [0, count) per sample of a training batch of `batch`.

    Keyed like `_noise`: from the sample indexes when the batch carries
    them (so a resumed or redistributed run draws the same), else random.
    """
    index = self._noise_keys.index
    if index is None:
      return tf.random.uniform([batch], 0, count, tf.int32)
    return tf.map_fn(lambda i: tf.random.stateless_uniform(
        [], tf.stack([i, tf.constant(salt, tf.int64)]), 0, count, tf.int32),
                     tf.cast(index, tf.int64), fn_output_signature=tf.int32)

  def _perturb(self, t, salt: int):
    """`t` (cast to float32) plus uniform noise: the training proxy of
    quantization, as tfc's entropy models apply it."""
    t = tf.cast(t, tf.float32)
    return t + self._noise(t, salt)

  @staticmethod
  def _bits(prior, perturbed):
    """Total bits of perturbed values under a noisy prior (tfc's training
    rate: -log2 of the prior's density)."""
    return -tf.reduce_sum(prior.log_prob(perturbed)) / math.log(2.0)

  @staticmethod
  def _bits_each(prior, perturbed):
    """`_bits` per sample of the batch: `[B]`."""
    log_prob = prior.log_prob(perturbed)
    return -tf.reduce_sum(log_prob, axis=tf.range(1, tf.rank(log_prob))) / (
        math.log(2.0))

  def train_step(self, data):
    x, index = self._unpack(data)
    with tf.GradientTape() as tape:
      self._noise_keys.index = index
      try:
        outputs = self(x, training=True)
      finally:
        self._noise_keys.index = None
      loss, bpp, mse = self.loss_terms(x, outputs)
      # Under a distribution strategy, gradients are summed across replicas,
      # so each replica contributes its share of the global mean.
      replicas = tf.distribute.get_strategy().num_replicas_in_sync
      scaled_loss = loss / tf.cast(replicas, loss.dtype)
      scaled_loss = self.optimizer.get_scaled_loss(scaled_loss) if hasattr(
          self.optimizer, "get_scaled_loss") else scaled_loss
    variables = self.trainable_variables
    gradients = tape.gradient(scaled_loss, variables)
    if hasattr(self.optimizer, "get_unscaled_gradients"):
      gradients = self.optimizer.get_unscaled_gradients(gradients)
    self.optimizer.apply_gradients(zip(gradients, variables, strict=True))
    return self._update_trackers(x, loss, bpp, mse)

  def test_step(self, data):
    x, _ = self._unpack(data)
    outputs = self(x, training=False)
    return self._update_trackers(x, *self.loss_terms(x, outputs))

  def predict_step(self, data):
    return self(self._unpack(data)[0], training=False)["x_hat"]

  def build_eagerly(self):
    """Creates all variables with one eager call on a small zero image.

    `Model.build` traces `call` in a graph, where tfc.GDN cannot create its
    variables when flags were parsed by absl; an eager call always works.
    """
    self(tf.zeros([1, self.multiple, self.multiple, 3]), training=True)

  # -- coding -----------------------------------------------------------------

  def update(self, state=None):
    """Builds the range-coding tables.

    Args:
      state: tables saved by `coder_state()` (shipped with the weights). If
        given, they are used as they are, so the decoder codes with exactly
        the tables the encoder used; otherwise they are computed from the
        current weights (slow: tfc estimates each prior's tails).
    """
    self.build_coders(state)
    self._forget_traces()

  def build_coders(self, state=None):
    """What `update` does for a family: builds `self._coders`."""
    raise NotImplementedError

  def _forget_traces(self):
    """Drops this model's traced coding functions.

    `compress`, `decompress` and the rest capture the coding tables as
    constants when first traced; after new tables (another `update`, e.g.
    after more training), they must trace again rather than code with the
    old ones.
    """
    for name in dir(type(self)):
      function = getattr(type(self), name, None)
      cache = getattr(function, "_descriptor_cache", None)
      if cache is not None:
        cache.pop(self, None)

  def quantization_offset(self, key):
    """The quantization offsets of the learned coder `key`, as a constant.

    Read once, eagerly, when the coder is built (`update`): traced graphs
    then hold constants rather than the entropy model's variables, so they
    save without tensorflow-compression and trace the same everywhere.
    """
    offset = self._coders.offsets.get(key)
    return None if offset is None else tf.constant(offset)

  def _stock_quantize(self, x, key):
    """What the learned coder `key`'s `quantize` does, with stock ops."""
    offset = self.quantization_offset(key)
    if offset is None:
      return tf.round(x)
    return tf.round(x - offset) + offset

  def coders(self):
    """The range-coding entropy models (tf.Modules), e.g. for export."""
    return [v for v in vars(self._coders).values() if isinstance(v, tf.Module)]

  def coder_state(self):
    """{name: (entropy model config, [arrays])} of the learned tables."""
    if not self._coders.state:
      self.update()
    return dict(self._coders.state)

  def _learned_coder(self, key, prior, state=None):
    """A compression-ready ContinuousBatchedEntropyModel for `prior`."""
    if state and key in state:
      config, arrays = state[key]
      model = tfc.ContinuousBatchedEntropyModel(**config)
      model.set_weights([np.asarray(a) for a in arrays])
    else:
      with _compiled_tail_estimation():
        model = tfc.ContinuousBatchedEntropyModel(prior, coding_rank=3,
                                                  compression=True)
    tables = [model.cdf, model.cdf_offset, model.quantization_offset]
    self._coders.state[key] = (model.get_config(),
                               [t.numpy() for t in tables if t is not None])
    offset = model.quantization_offset
    self._coders.offsets[key] = None if offset is None else offset.numpy()
    return model

  def prepare(self, image):
    """uint8 `[H, W, 3]` image -> padded float batch `[1, H', W', 3]`."""
    x = tf.cast(tf.expand_dims(image, 0), tf.float32)
    return pad_to_multiple(x, self.multiple)

  def estimate_bits(self, image):
    """The model's own rate estimate, in bits, for a uint8 image."""
    return float(self(self.prepare(image), training=False)["bits"])

  @staticmethod
  def finish(x_hat, x_shape):
    """Crops a decoded batch to `x_shape` and rounds it to uint8 `[H, W, 3]`."""
    x_hat = x_hat[0, :x_shape[0], :x_shape[1], :]
    # Clamp with maximum/minimum rather than saturate_cast: TFLite has no
    # builtin ClipByValue.
    x_hat = tf.minimum(tf.maximum(tf.round(tf.cast(x_hat, tf.float32)), 0.0),
                       255.0)
    return tf.cast(x_hat, tf.uint8)

  def synthesis_spec(self):
    """Input signature of `synthesis`: latents `[1, h, w, C]`, image size."""
    return (tf.TensorSpec((1, None, None, self.latent_channels), tf.float32,
                          name="latents"),
            tf.TensorSpec((2,), tf.int32, name="image_shape"))

  @tf.function(reduce_retracing=True)
  def synthesis(self, latents, image_shape):
    """Stock TF ops only: quantized latents -> {"image": uint8 image}.

    The decoder's neural half: what a SavedModel's `synthesis` signature and
    the TFLite decoder run (trace it with `synthesis_spec()`). The default
    is one `synthesis_transform`; models that decode otherwise override it.
    """
    return {"image": self.finish(self.synthesis_transform(latents),
                                 image_shape)}

  def entropy_decode(self, *tensors):
    """The decoder's entropy-coding half: `compress`'s tensors ->
    {"latents", "image_shape"}, the inputs of `synthesis`."""
    raise NotImplementedError

  def default_qualities(self):
    """The zoo qualities one set of these weights serves unless told
    otherwise (None: the one quality it is saved as)."""
    return None

  def get_config(self):
    return {"lmbda": self.lmbda}

  @classmethod
  def from_config(cls, config):
    return cls(**config)
