"""Scale-hyperprior model: Ballé, Minnen, Singh, Hwang, Johnston 2018.

"Variational image compression with a scale hyperprior", ICLR 2018,
https://arxiv.org/abs/1802.01436. Side information z is coded with a learned
factorized density; the latents y are coded with zero-mean Gaussians whose
scales are chosen from a fixed table by indexes the hyper-synthesis predicts
(tfc.LocationScaleIndexedEntropyModel).

For coding, the indexes come from an integer version of the trained
hyper-synthesis (`tfcodec.layers.IntegerNetwork`), shipped with the coding
tables, so that encoder and decoder compute identical indexes on any machine.
Training uses the float hyper-synthesis.
"""

import collections
import math
import weakref

import tensorflow as tf
import tensorflow_compression as tfc

from tfcodec.layers import transforms
from tfcodec.layers.integer import IntegerNetwork
from tfcodec.models.base import CompressionModel

__all__ = ["ScaleHyperprior", "GainHyperprior"]

# Each model's traced `refine_latents` step, outside the model so that it is
# neither tracked nor exported with it; the step holds its model weakly, so
# the entry goes when the model does.
_REFINE_STEPS = weakref.WeakKeyDictionary()

#: What `ScaleHyperprior.refine_latents` finds for one image: the latents y
#: (`[1, h', w', M]`) and the side information z coded with them (free
#: variables of the search, not z = hyper_analysis(|y|)), both float32.
RefinedLatents = collections.namedtuple("RefinedLatents", ["y", "z"])


def annealed_rounding(y, temperature, seed):
  """A random, differentiable rounding of `y` for `refine_latents`.

  Stochastic Gumbel annealing (Yang et al., "Improving inference for neural
  image compression", NeurIPS 2020): each element moves to a mix of
  floor(y) and floor(y) + 1, weighted by a relaxed one-hot (Gumbel-softmax)
  sample whose logits favour the nearer integer. At a high `temperature`
  the mix is soft; as it falls the sample hardens into a choice of one of
  the two, and near 0 it rounds (but for elements within a hair of a
  half). `seed` is a stateless seed (two int64s).
  """
  temperature = tf.maximum(temperature, 1e-3)
  floor = tf.stop_gradient(tf.floor(y))
  frac = tf.clip_by_value(y - floor, 1e-5, 1.0 - 1e-5)
  logits = tf.stack([-tf.atanh(frac), -tf.atanh(1.0 - frac)],
                    -1) / temperature
  uniform = tf.random.stateless_uniform(tf.shape(logits), seed, 1e-6,
                                        1.0 - 1e-6)
  gumbel = -tf.math.log(-tf.math.log(uniform))
  weights = tf.nn.softmax((logits + gumbel) / temperature, -1)
  return floor + weights[..., 1]


_DECODE_SPEC = [
    tf.TensorSpec(shape=(1,), dtype=tf.string),
    tf.TensorSpec(shape=(1,), dtype=tf.string),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
]


class ScaleHyperprior(CompressionModel):
  """Ballé et al. 2018 scale-hyperprior model.

  Args:
    num_filters: channels of the hidden layers and of z.
    latent_channels: channels of the latent representation y.
    num_scales: size of the Gaussian scale table.
    scale_min: smallest scale in the table.
    scale_max: largest scale in the table.
    lmbda: rate-distortion trade-off (see `CompressionModel`).
    kernel_parameter: how convolution kernels are trained: "dct" (DCT
      coefficients, the default: fastest to train here), "plain" (Keras
      Conv2D) or "rdft" (tfc.SignalConv2D). All compute the same correlation.
    quantization: what the synthesis transform sees in training. "noise":
      the latents plus uniform noise, as the rate term sees them (Ballé et
      al.). "mixed": the rounded latents, with a straight-through gradient
      (Minnen & Singh 2020, "Channel-wise autoregressive entropy models"),
      so the decoder trains on what it decodes; the rate term keeps the
      noise either way.
    **kwargs: passed to `tf.keras.Model`.

  Example:
    >>> model = ScaleHyperprior(num_filters=8, latent_channels=8)
    >>> model.update()
    >>> tensors = model.compress(tf.zeros([20, 30, 3], tf.uint8))
    >>> model.decompress(*tensors).shape
    TensorShape([20, 30, 3])
  """

  multiple = 64
  tiny_config = {"num_filters": 8, "latent_channels": 8}
  tensor_names = ("latents_bytes", "side_bytes", "image_shape", "latent_shape",
                  "side_shape")

  def __init__(self, num_filters=128, latent_channels=192, num_scales=64,
               scale_min=0.11, scale_max=256.0, lmbda=0.01,
               kernel_parameter="dct", quantization="noise", **kwargs):
    super().__init__(lmbda=lmbda, **kwargs)
    if quantization not in ("noise", "mixed"):
      raise ValueError(
          f"quantization must be 'noise' or 'mixed', not {quantization!r}")
    self.quantization = quantization
    self.num_filters = int(num_filters)
    self.latent_channels = int(latent_channels)
    self.num_scales = int(num_scales)
    self.scale_min = float(scale_min)
    self.scale_max = float(scale_max)
    self.kernel_parameter = kernel_parameter
    kp = dict(kernel_parameter=kernel_parameter)
    self.analysis_transform = transforms.analysis_transform(
        self.num_filters, self.latent_channels, **kp)
    self.synthesis_transform = transforms.synthesis_transform(
        self.num_filters, **kp)
    self.hyper_analysis_transform = transforms.hyper_analysis_transform(
        self.num_filters, **kp)
    self.hyper_synthesis_transform = transforms.hyper_synthesis_transform(
        self.num_filters, self.latent_channels, **kp)
    self.hyperprior = tfc.NoisyDeepFactorized(batch_shape=(self.num_filters,))
    self._add_variables()
    self.build_eagerly()

  def _add_variables(self):
    """Variables beyond the transforms (none here; see `GainHyperprior`)."""

  def scale_fn(self, index):
    offset = math.log(self.scale_min)
    factor = (math.log(self.scale_max) - offset) / (self.num_scales - 1.0)
    return tf.math.exp(offset + factor * index)

  def _analyze(self, x, rate=None):
    """Image batch -> the latents that are quantized and coded."""
    del rate  # One rate; see `GainHyperprior`.
    return self.analysis_transform(x)

  def _synthesize(self, y_hat, rate=None):
    """Quantized latents -> reconstruction."""
    del rate
    return self.synthesis_transform(y_hat)

  def _training_rates(self, batch):
    """Per-sample rate indexes in training (None: one rate)."""
    del batch
    return None

  def call(self, x, training=False):
    rate = self._training_rates(tf.shape(x)[0]) if training else None
    y = self._analyze(x, rate)
    z = self.hyper_analysis_transform(tf.abs(y))
    if training:
      # What tfc's entropy models do in training, with our per-sample noise
      # (see `CompressionModel._noise`).
      z_hat = self._perturb(z, 1)
      indexes = self.hyper_synthesis_transform(z_hat)
      indexes = tfc.upper_bound(tfc.lower_bound(
          tf.cast(indexes, tf.float32), 0.0), self.num_scales - 1.0)
      y_tilde = self._perturb(y, 2)
      if self.quantization == "mixed":
        y = tf.cast(y, tf.float32)
        y_hat = y + tf.stop_gradient(tf.round(y) - y)
      else:
        y_hat = y_tilde
      prior = tfc.NoisyNormal(loc=0.0, scale=self.scale_fn(indexes))
      if rate is None:
        side_bits = self._bits(self.hyperprior, z_hat)
        bits = self._bits(prior, y_tilde)
      else:
        # Per sample, for a loss that weighs each sample's own trade-off.
        side_each = self._bits_each(self.hyperprior, z_hat)
        latent_each = self._bits_each(prior, y_tilde)
        side_bits = tf.reduce_sum(side_each)
        bits = tf.reduce_sum(latent_each)
        bits_each = latent_each + side_each
    else:
      entropy_model = self._latent_estimate_model()
      side_entropy_model = tfc.ContinuousBatchedEntropyModel(
          self.hyperprior, coding_rank=3, compression=False)
      z_hat, side_bits = side_entropy_model(z, training=False)
      indexes = self.hyper_synthesis_transform(z_hat)
      y_hat, bits = entropy_model(y, indexes, training=False)
    x_hat = self._synthesize(y_hat, rate)
    side_bits = tf.reduce_sum(side_bits)
    outputs = {"x_hat": x_hat, "bits": tf.reduce_sum(bits) + side_bits,
               "side_bits": side_bits}
    if rate is not None:
      outputs["lmbda"] = tf.gather(tf.constant(self.lmbdas), rate)
      outputs["bits_each"] = bits_each
    return outputs

  def _latent_estimate_model(self):
    """The latents' entropy model for rate estimates (no coding tables)."""
    return tfc.LocationScaleIndexedEntropyModel(
        tfc.NoisyNormal, self.num_scales, self.scale_fn, coding_rank=3,
        compression=False)

  def _latents(self, image):
    """uint8 `[h, w, 3]` -> the latents y and hyper-latents z."""
    y = self._analyze(self.prepare(image))
    return y, self.hyper_analysis_transform(tf.abs(y))

  def build_coders(self, state=None):
    _REFINE_STEPS.pop(self, None)  # It holds the side coder's offsets.
    # The Gaussian scale table is fixed, not learned: it is cheap to build
    # and identical everywhere. The side information's tables are learned.
    self._coders.entropy_model = tfc.LocationScaleIndexedEntropyModel(
        tfc.NoisyNormal, self.num_scales, self.scale_fn, coding_rank=3,
        compression=True, stateless=True)
    side = self._learned_coder("side", self.hyperprior, state)
    self._coders.side_entropy_model = side
    if state and "index_net" in state:
      index_net = IntegerNetwork.from_state(*state["index_net"])
    else:
      index_net = IntegerNetwork.from_keras(
          self.hyper_synthesis_transform, self.num_scales,
          input_offset=self._coders.offsets["side"])
    self._coders.index_net = index_net
    self._coders.state["index_net"] = (index_net.get_config(),
                                       index_net.arrays())

  def _side_symbols(self, z_hat):
    """The integers the side information codes: round(z_hat - offset)."""
    return tf.round(z_hat - self.quantization_offset("side"))

  def coding_indexes(self, z_hat):
    """Scale indexes for coding y, from the integer hyper-synthesis."""
    return self._coders.index_net(self._side_symbols(z_hat))

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def compress(self, image):
    y, z = self._latents(image)
    return self._code_latents(y, z, tf.shape(image)[:2])

  def compress_latents(self, latents, image_shape):
    """`compress` for latents found otherwise (a `RefinedLatents` from
    `refine_latents`): the same tensors, which `decompress` decodes as it
    decodes any file."""
    return self._compress_refined(latents.y, latents.z,
                                  tf.convert_to_tensor(image_shape, tf.int32))

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(1, None, None, None), dtype=tf.float32),
      tf.TensorSpec(shape=(1, None, None, None), dtype=tf.float32),
      tf.TensorSpec(shape=(2,), dtype=tf.int32)])
  def _compress_refined(self, y, z, image_shape):
    return self._code_latents(y, z, image_shape)

  def _code_latents(self, y, z, image_shape):
    z_hat = self._coders.side_entropy_model.quantize(z)
    indexes = self.coding_indexes(z_hat)
    side_string = self._coders.side_entropy_model.compress(z)
    string = self._coders.entropy_model.compress(y, indexes)
    return (string, side_string, image_shape, tf.shape(y)[1:-1],
            tf.shape(z)[1:-1])

  # -- encoder-side refinement ---------------------------------------------------

  #: Adam's step size for `refine_latents` (decayed linearly to 0).
  refine_learning_rate = 0.05
  #: Adam's step size for the side information z in `refine_latents`
  #: (decayed linearly to 0 with the other).
  refine_side_learning_rate = 0.15
  #: The rounding's starting temperature in `refine_latents` (annealed
  #: linearly to 0 over the steps).
  refine_temperature = 0.5

  def refine_latents(self, image, steps: int, progress=None):
    """Latents of a uint8 `[h, w, 3]` image, refined for its own trade-off.

    The analysis transform's latents are only a start (Campos et al.,
    "Content adaptive optimization for neural image compression", CVPRW
    2019): `steps` Adam steps on the latents lower this image's `bpp +
    lmbda * MSE` with the decoder untouched, so the files decode as any
    other. Rounding is relaxed by stochastic Gumbel annealing (Yang et al.,
    "Improving inference for neural image compression", NeurIPS 2020):
    the rate and the synthesis both see a random soft rounding of the
    latents, which hardens into rounding as its temperature falls. The side
    information z is searched too, from hyper_analysis(|y|), as a variable
    of its own (rounded straight-through, its rate under uniform noise):
    the encoder may send any z, and the best one for the refined y is not
    the one the hyper-analysis maps it to. The randomness is seeded by the
    step, so the same image always gives the same file. `progress`, if
    given, is called after each step.
    Returns a `RefinedLatents` for `compress_latents`.
    """
    steps = int(steps)
    if steps < 0:
      raise ValueError(f"refine steps must be 0 or more, not {steps}")
    x = self.prepare(tf.convert_to_tensor(image, tf.uint8))
    y = tf.cast(self._analyze(x), tf.float32)
    z = tf.cast(self.hyper_analysis_transform(tf.abs(y)), tf.float32)
    height, width = int(image.shape[0]), int(image.shape[1])
    moments = [tf.zeros_like(y), tf.zeros_like(y), tf.zeros_like(z),
               tf.zeros_like(z)]
    step_fn = self._refine_step_fn()
    for step in range(steps):
      # Adam; its step sizes and the rounding's temperature all decay
      # linearly to 0 over the steps.
      left = 1.0 - step / steps
      y, z, *moments = step_fn(
          x, y, z, *moments, tf.constant(step, tf.int64),
          tf.constant(self.refine_learning_rate * left, tf.float32),
          tf.constant(self.refine_side_learning_rate * left, tf.float32),
          tf.constant(self.refine_temperature * left, tf.float32),
          tf.constant(height), tf.constant(width))
      if progress is not None:
        progress()
    return RefinedLatents(y, z)

  def _refine_step_fn(self):
    """One traced refinement step (any image size), kept per model."""
    step_fn = _REFINE_STEPS.get(self)
    if step_fn is None:
      offset = self._coders.offsets.get("side")
      offset = tf.constant(0.0 if offset is None else offset, tf.float32)
      latents = tf.TensorSpec((1, None, None, self.latent_channels),
                              tf.float32)
      side = tf.TensorSpec((1, None, None, self.num_filters), tf.float32)
      scalar = tf.TensorSpec((), tf.int32)
      real = tf.TensorSpec((), tf.float32)
      model = weakref.ref(self)

      def adam(p, g, m, v, t, rate):
        b1, b2 = 0.9, 0.999
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * tf.square(g)
        m_hat, v_hat = m / (1.0 - b1 ** t), v / (1.0 - b2 ** t)
        return p - rate * m_hat / (tf.sqrt(v_hat) + 1e-7), m, v

      @tf.function(input_signature=[
          tf.TensorSpec((1, None, None, 3), tf.float32), latents, side,
          latents, latents, side, side, tf.TensorSpec((), tf.int64), real,
          real, real, scalar, scalar])
      def step_fn(x, y, z, my, vy, mz, vz, step, rate, side_rate,
                  temperature, height, width):
        with tf.GradientTape() as tape:
          tape.watch([y, z])
          loss = model()._refined_loss(x, y, z, offset, step, temperature,
                                       height, width)
        gy, gz = tape.gradient(loss, [y, z])
        t = tf.cast(step + 1, tf.float32)
        y, my, vy = adam(y, gy, my, vy, t, rate)
        z, mz, vz = adam(z, gz, mz, vz, t, side_rate)
        return y, z, my, vy, mz, vz
      _REFINE_STEPS[self] = step_fn
    return step_fn

  def _refined_loss(self, x, y, z, side_offset, step, temperature, height,
                    width):
    """`bpp + lmbda * MSE` of one image's latents `y` and side information
    `z` (see `refine_latents`), with `y` soft-rounded at `temperature`; the
    MSE counts only the image, not its padding."""
    z_hat = z + tf.stop_gradient(
        tf.round(z - side_offset) + side_offset - z)
    indexes = tfc.upper_bound(tfc.lower_bound(tf.cast(
        self.hyper_synthesis_transform(z_hat), tf.float32), 0.0),
                              self.num_scales - 1.0)
    prior = tfc.NoisyNormal(loc=0.0, scale=self.scale_fn(indexes))
    y_hat = annealed_rounding(y, temperature, tf.stack(
        [step, tf.constant(1, tf.int64)]))
    z_noise = tf.random.stateless_uniform(tf.shape(z), tf.stack(
        [step, tf.constant(2, tf.int64)]), -0.5, 0.5)
    bits = (self._bits(prior, y_hat) +
            self._bits(self.hyperprior, z + z_noise))
    x_hat = tf.cast(self._synthesize(y_hat), tf.float32)
    mse = tf.reduce_mean(tf.math.squared_difference(
        x[:, :height, :width], x_hat[:, :height, :width]))
    return bits / tf.cast(height * width, tf.float32) + self.lmbda * mse

  def estimate_latent_bits(self, latents):
    """The rate estimate `estimate_bits` gives, for a `RefinedLatents` (from
    `refine_latents`): bits of the rounded latents and side information."""
    y, z = latents
    side_entropy_model = tfc.ContinuousBatchedEntropyModel(
        self.hyperprior, coding_rank=3, compression=False)
    z_hat, side_bits = side_entropy_model(z, training=False)
    indexes = self.hyper_synthesis_transform(z_hat)
    _, bits = self._latent_estimate_model()(y, indexes, training=False)
    return float(tf.reduce_sum(bits) + tf.reduce_sum(side_bits))

  @tf.function(input_signature=_DECODE_SPEC)
  def decompress(self, string, side_string, x_shape, y_shape, z_shape):
    y_hat = self.decode_latents(string, side_string, y_shape, z_shape)
    return self.finish(self._synthesize(y_hat), x_shape)

  @tf.function(input_signature=_DECODE_SPEC)
  def entropy_decode(self, string, side_string, x_shape, y_shape, z_shape):
    return {"latents": self.decode_latents(string, side_string, y_shape,
                                           z_shape),
            "image_shape": x_shape}

  def decode_latents(self, string, side_string, y_shape, z_shape):
    """Entropy decoding: the strings -> quantized latents `[1, h, w, M]`."""
    z_hat = self._coders.side_entropy_model.decompress(side_string, z_shape)
    indexes = self.coding_indexes(z_hat)
    indexes = indexes[:, :y_shape[0], :y_shape[1], :]
    return self._coders.entropy_model.decompress(string, indexes)

  def latent_bits(self, image):
    """Where the range coder's bits stand against the rate estimate.

    For one image (uint8 `[h, w, 3]`), the latents' bits three ways:
    `continuous`, the estimate `call` reports (continuous scale indexes from
    the float hyper-synthesis); `integer`, the ideal cost under the integer
    scale indexes that `compress` codes with; `coded`, the length of the
    range-coded string of the latents. Also the share of continuous indexes
    below 0 (a scale under the table's smallest) and of integer indexes at 0.
    """
    y, z = self._latents(tf.convert_to_tensor(image, tf.uint8))
    z_hat = self._coders.side_entropy_model.quantize(z)
    size = (slice(None), slice(0, y.shape[1]), slice(0, y.shape[2]))
    continuous = self.hyper_synthesis_transform(z_hat)[size]
    integer = self.coding_indexes(z_hat)[size]
    model = self._latent_estimate_model()

    def estimate(indexes):
      return float(tf.reduce_sum(
          model(y, tf.cast(indexes, tf.float32), training=False)[1]))

    string = self._coders.entropy_model.compress(y, integer)
    return {"continuous": estimate(continuous), "integer": estimate(integer),
            "coded": 8 * len(string.numpy()[0]),
            "below_0": float(tf.reduce_mean(tf.cast(continuous < 0, tf.float32))),
            "at_0": float(tf.reduce_mean(tf.cast(integer == 0, tf.float32)))}

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def analysis(self, image):
    """Stock TF ops only: image -> quantized latents (what `compress` codes).

    Returns the rounded latents y_hat, the hyper-latents z_hat quantized with
    the side model's offsets, and the image size. Entropy coding them needs
    tensorflow-compression's ops, outside this graph.
    """
    y, z = self._latents(image)
    z_hat = self._stock_quantize(z, "side")
    return {"latents": tf.round(y), "side_latents": z_hat,
            "image_shape": tf.shape(image)[:2]}

  def get_config(self):
    return {"num_filters": self.num_filters,
            "latent_channels": self.latent_channels,
            "num_scales": self.num_scales, "scale_min": self.scale_min,
            "scale_max": self.scale_max, "lmbda": self.lmbda,
            "kernel_parameter": self.kernel_parameter,
            "quantization": self.quantization}


class GainHyperprior(ScaleHyperprior):
  """A variable-rate scale hyperprior: one model for several trade-offs.

  The transforms of `ScaleHyperprior`, shared by every rate, with a gain
  unit per rate (Cui et al., "Asymmetric Gained Deep Image Compression With
  Continuous Rate Adaptation", CVPR 2021): the latents are multiplied
  channel-wise by rate r's gain before quantization and by its inverse gain
  before synthesis, so a larger gain quantizes more finely. Training draws
  a rate per sample and weighs its MSE by that rate's lambda; all training
  goes into one set of transforms instead of one per rate. The side
  information and its coding tables are shared by all rates.

  Args:
    lmbdas: the trade-off of each rate, lowest rate first.
    quality: the rate `compress`, `decompress` and evaluation use, 1 to
      `len(lmbdas)` (the zoo quality).
    lmbda: must be None or `lmbdas[quality - 1]` (the trade-off of
      validation at `quality`).
    balance: how the rates' losses are combined in training. "none": the
      batch mean of bpp + lambda * MSE (Cui et al.), in which samples of
      high lambda have the largest losses and gradients. "log": the batch
      mean of log(bpp + lambda * MSE) per sample, so that each sample's
      gradient is its own loss's relative change and every rate pulls on
      the shared transforms alike (the gains of a rate see the same
      optimum either way). Training then logs that mean log as its loss;
      validation's loss is bpp + lambda * MSE at `quality` either way.
    **kwargs: `ScaleHyperprior`'s arguments.
  """

  tiny_config = {"num_filters": 8, "latent_channels": 8,
                 "lmbdas": [0.002, 0.01, 0.05], "quality": 2}
  quality_argument = "quality"
  variable_rate = True

  def __init__(self, lmbdas=(0.0009, 0.002, 0.005, 0.011, 0.024, 0.05, 0.1),
               quality=4, lmbda=None, balance="none", **kwargs):
    self.lmbdas = [float(v) for v in lmbdas]
    if balance not in ("none", "log"):
      raise ValueError(f"balance must be none or log, not {balance!r}")
    self.balance = balance
    if not self.lmbdas or sorted(self.lmbdas) != self.lmbdas or min(
        self.lmbdas) <= 0:
      raise ValueError(f"lmbdas must be positive and increasing, got {lmbdas}")
    self.quality = int(quality)
    if not 1 <= self.quality <= len(self.lmbdas):
      raise ValueError(f"quality {quality} is outside 1-{len(self.lmbdas)} "
                       f"(one per lmbdas entry)")
    own = self.lmbdas[self.quality - 1]
    if lmbda is not None and float(lmbda) != own:
      raise ValueError(f"lmbda {lmbda} differs from lmbdas[quality - 1] = "
                       f"{own}; set lmbdas instead")
    super().__init__(lmbda=own, **kwargs)

  def _add_variables(self):
    shape = [len(self.lmbdas), self.latent_channels]
    self.log_gain = tf.Variable(tf.zeros(shape), name="log_gain")
    self.log_inverse_gain = tf.Variable(tf.zeros(shape), name="log_inverse_gain")
    self.center_gains(self._reference_lmbda())

  def center_gains(self, lmbda):
    """Sets rate r's gains to sqrt(lmbdas[r] / lmbda) (inverse gains to
    their reciprocals): the quantization step that is MSE-optimal at high
    rate scales as 1/sqrt(lambda), so a model trained at `lmbda` starts
    each rate near its own trade-off."""
    initial = [0.5 * math.log(v / lmbda) for v in self.lmbdas]
    initial = tf.tile(tf.constant(initial)[:, None], [1, self.latent_channels])
    self.log_gain.assign(initial)
    self.log_inverse_gain.assign(-initial)

  def _reference_lmbda(self):
    """The lambda at which the gains are 1: the geometric mean."""
    return math.exp(sum(math.log(v) for v in self.lmbdas) / len(self.lmbdas))

  def _gain(self, variable, rate):
    """[B or 1, 1, 1, M] gains of per-sample `rate`s (None: `quality`)."""
    if rate is None:
      return tf.exp(variable[self.quality - 1])[None, None, None, :]
    return tf.exp(tf.gather(variable, rate))[:, None, None, :]

  def _analyze(self, x, rate=None):
    return self.analysis_transform(x) * self._gain(self.log_gain, rate)

  def _synthesize(self, y_hat, rate=None):
    return self.synthesis_transform(
        y_hat * self._gain(self.log_inverse_gain, rate))

  def _training_rates(self, batch):
    return self._per_sample_choice(batch, len(self.lmbdas), salt=3)

  def _variable_rate_loss(self, x, outputs, bpp, mse_each):
    if self.balance == "none":
      return super()._variable_rate_loss(x, outputs, bpp, mse_each)
    shape = tf.shape(x)
    pixels = tf.cast(shape[1] * shape[2], tf.float32)
    return tf.reduce_mean(tf.math.log(
        outputs["bits_each"] / pixels + outputs["lmbda"] * mse_each))

  @tf.function(reduce_retracing=True)
  def synthesis(self, latents, image_shape):
    return {"image": self.finish(self._synthesize(latents), image_shape)}

  def default_qualities(self):
    return list(range(1, len(self.lmbdas) + 1))

  def copy_single_rate(self, source):
    """Starts from a trained `ScaleHyperprior` of the same shape: its
    transforms and side prior, with gains centred on its lambda."""
    if not isinstance(source, ScaleHyperprior) or isinstance(
        source, GainHyperprior):
      raise ValueError("copy_single_rate takes a single-rate ScaleHyperprior")
    for name in ("analysis_transform", "synthesis_transform",
                 "hyper_analysis_transform", "hyper_synthesis_transform",
                 "hyperprior"):
      mine, theirs = getattr(self, name).variables, getattr(
          source, name).variables
      if [v.shape for v in mine] != [v.shape for v in theirs]:
        raise ValueError(f"copy_single_rate: {name} has another shape")
      for variable, value in zip(mine, theirs, strict=True):
        variable.assign(value)
    self.center_gains(source.lmbda)

  def get_config(self):
    config = super().get_config()
    del config["lmbda"]
    return {**config, "lmbdas": list(self.lmbdas), "quality": self.quality,
            "balance": self.balance}
