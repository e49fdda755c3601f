"""The residual ConvGRU codec: Toderici et al. 2017.

"Full Resolution Image Compression with Recurrent Neural Networks", CVPR
2017, https://arxiv.org/abs/1608.05148.

Each iteration t encodes the residual r_{t-1} (r_0 = the image) into 32
binary codes per 16x16 block (0.125 bpp before entropy coding), and the
decoder turns the codes of iterations 1..t into a full reconstruction x_t:
the paper's "one-shot" reconstruction, with the GRU states and the residual
r_t = x - x_t carried across iterations. Training minimises the L1 norm of
the residual at every iteration, summed, as the paper does.

* Encoder: a strided convolution, then three strided ConvGRU cells.
* Binarizer: 1x1 convolution, tanh, then a stochastic +-1 in training
  (P(+1) = (1 + b) / 2, gradient passed straight through) and the sign at
  inference.
* Decoder: a 1x1 convolution, four ConvGRU cells each followed by
  depth-to-space, a 1x1 convolution to RGB.

The bits of each iteration are range coded (tensorflow-compression's
`entropy_encode_index`) with a learned context model: a small convolutional
network that predicts each bit from the previous iteration's bits, the bits
of this iteration already coded (four groups of channels, in turn), and the
iteration number. After training it is converted to an integer network
(`tfcodec.layers.IntegerNetwork`) whose outputs index one of 64 fixed binary
probability tables, so that encoder and decoder agree exactly on every
machine. Each iteration is its own range-coded string, so a file cut after
any iteration still decodes.
"""

import math
from typing import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc

from tfcodec.layers.conv_gru import ConvGRU
from tfcodec.layers.integer import IntegerNetwork
from tfcodec.models.base import CompressionModel

__all__ = ["ConvGRUCodec", "binary_tables", "NUM_TABLES"]

#: Binary probability tables the context model chooses from; the table
#: after them (index NUM_TABLES) is the flat one, P(+1) = 1/2.
NUM_TABLES = 64
#: Table i has P(bit = +1) = sigmoid((i + 1/2 - 32) / 4): logits -8..8.
_LOGIT_STEP = 16.0 / NUM_TABLES
_PRECISION = 16

_DECODE_SPEC = [
    tf.TensorSpec(shape=(None,), dtype=tf.string),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
]


def _logit(index):
  """Logit of P(bit = +1) for a (float) table index."""
  return (index - NUM_TABLES / 2) * _LOGIT_STEP


def binary_tables() -> np.ndarray:
  """The range coder's lookup `[NUM_TABLES + 1, 4]`: precision, then the CDF
  of the symbols 0 (bit -1) and 1 (bit +1); the last table is flat."""
  p_one = 1.0 / (1.0 + np.exp(-_logit(np.arange(NUM_TABLES) + 0.5)))
  p_one = np.append(p_one, 0.5)
  scale = 1 << _PRECISION
  below_one = np.clip(np.round((1.0 - p_one) * scale), 1, scale - 1)
  n = NUM_TABLES + 1
  return np.stack([np.full(n, _PRECISION), np.zeros(n), below_one,
                   np.full(n, scale)], 1).astype(np.int32)


#: First byte of an iteration's string: how its bits are coded.
_CONTEXT, _FLAT = b"\x00", b"\x01"


def _table_bits():
  """Bits that coding -1 and +1 costs under each table: `[NUM_TABLES + 1,
  2]`."""
  table = binary_tables().astype(np.float64)
  p_zero = table[:, 2] / table[:, 3]
  return np.stack([-np.log2(p_zero), -np.log2(1.0 - p_zero)], 1)


class ConvGRUCodec(CompressionModel):
  """Toderici et al. 2017 residual ConvGRU codec with entropy-coded bits.

  Args:
    iterations: iterations `compress` codes (the zoo quality): 0.125 bpp
      each before entropy coding.
    train_iterations: iterations unrolled in training (16 in the paper).
    bits: binary codes per 16x16 block per iteration (32 in the paper).
    encoder_filters: channels of the encoder's convolution and its three
      ConvGRU cells (paper: 64, 256, 512, 512).
    decoder_filters: channels of the decoder's four ConvGRU cells (paper:
      512, 512, 256, 128); each must be a multiple of 4.
    context_filters: hidden channels of the context model.
    context_groups: the bits of one iteration are coded in this many groups
      of channels, each group's context holding the groups before it.
    train_part: "all" trains everything, "context" only the context model
      (e.g. on larger crops once the codec is trained).
    lmbda: weight of the context model's rate in the loss; the codes reach
      it through a stop-gradient, so it only trains the context model.
    **kwargs: passed to `tf.keras.Model`.
  """

  multiple = 16
  quality_argument = "iterations"
  #: The bitstream holds one string per iteration; files may be cut after
  #: any of them (see `tfcodec.bitstream.pack_progressive`).
  progressive = True
  tiny_config = {"encoder_filters": (8, 8, 8, 8), "decoder_filters": (8, 8,
                                                                      8, 8),
                 "bits": 4, "context_filters": 4, "context_groups": 2,
                 "iterations": 2, "train_iterations": 2}
  tensor_names = ("codes_bytes", "image_shape")

  def __init__(self, iterations=16, train_iterations=16, bits=32,
               encoder_filters: Sequence[int] = (64, 128, 128, 128),
               decoder_filters: Sequence[int] = (128, 128, 64, 32),
               context_filters=64, context_groups=4, train_part="all",
               lmbda=1.0, **kwargs):
    super().__init__(lmbda=lmbda, **kwargs)
    self.iterations = int(iterations)
    self.train_iterations = int(train_iterations)
    self.bits = int(bits)
    self.encoder_filters = tuple(int(f) for f in encoder_filters)
    self.decoder_filters = tuple(int(f) for f in decoder_filters)
    self.context_filters = int(context_filters)
    self.context_groups = int(context_groups)
    self.train_part = train_part
    if self.iterations < 1:
      raise ValueError(f"iterations must be at least 1, not {iterations}")
    if len(self.encoder_filters) != 4 or len(self.decoder_filters) != 4:
      raise ValueError("encoder_filters and decoder_filters need 4 entries")
    if any(f % 4 for f in self.decoder_filters):
      raise ValueError("decoder_filters must be multiples of 4")
    if self.bits % self.context_groups:
      raise ValueError("bits must be a multiple of context_groups")
    if train_part not in ("all", "context"):
      raise ValueError(f"train_part must be all or context, not {train_part!r}")
    conv = tf.keras.layers.Conv2D
    e = self.encoder_filters
    self.encoder_conv = conv(e[0], 3, strides=2, padding="same",
                             name="encoder_conv")
    self.encoder_cells = [ConvGRU(f, 3, 1, strides=2, name=f"encoder_gru{i}")
                          for i, f in enumerate(e[1:])]
    self.binarizer = conv(self.bits, 1, activation="tanh", name="binarizer")
    d = self.decoder_filters
    self.decoder_conv = conv(d[0], 1, name="decoder_conv")
    self.decoder_cells = [ConvGRU(f, 3, 1 if i < 2 else 3,
                                  name=f"decoder_gru{i}")
                          for i, f in enumerate(d)]
    self.output_conv = conv(3, 1, name="output_conv")
    self.context_model = tf.keras.Sequential([
        conv(self.context_filters, 3, padding="same", activation="relu"),
        conv(self.context_filters, 3, padding="same", activation="relu"),
        conv(self.bits, 1, padding="same"),
    ], name="context_model")
    if train_part == "context":
      for layer in (self.encoder_conv, self.binarizer, self.decoder_conv,
                    self.output_conv, *self.encoder_cells,
                    *self.decoder_cells):
        layer.trainable = False
    self.build_eagerly()

  # -- one iteration -------------------------------------------------------------

  def _group_masks(self):
    """`[groups, bits]` one-hot masks of each group's channels."""
    size = self.bits // self.context_groups
    return np.kron(np.eye(self.context_groups), np.ones(size)).astype(
        np.float32)

  def encode_step(self, residual, states, training=False, salt=0):
    """residual `[B, H, W, 3]` (H, W multiples of 16) -> (codes +-1, states)."""
    h = self.encoder_conv(residual)
    new_states = []
    for cell, state in zip(self.encoder_cells, states, strict=True):
      h = cell(h, cell.initial_state(h) if state is None else state)
      new_states.append(h)
    b = self.binarizer(h)
    if training:
      u = self._noise(b, salt) + 0.5
      sample = tf.where(u < (1.0 + tf.cast(b, tf.float32)) / 2.0, 1.0, -1.0)
      b = b + tf.stop_gradient(tf.cast(sample, b.dtype) - b)
    else:
      b = tf.where(b >= 0, 1.0, -1.0)
    return tf.cast(b, tf.float32), new_states

  def decode_step(self, codes, states):
    """codes `[B, h, w, bits]` -> (reconstruction in [-1/2, 1/2] scale,
    `[B, 16h, 16w, 3]`, states)."""
    u = self.decoder_conv(tf.cast(codes, self.compute_dtype))
    new_states = []
    for cell, state in zip(self.decoder_cells, states, strict=True):
      h = cell(u, cell.initial_state(u) if state is None else state)
      new_states.append(h)
      u = tf.nn.depth_to_space(h, 2)
    return tf.cast(self.output_conv(u), tf.float32), new_states

  def initial_decoder_states(self, latent_hw):
    """Zero decoder states for codes of spatial size `latent_hw`."""
    states = []
    for i, f in enumerate(self.decoder_filters):
      size = latent_hw * (2 ** i)
      states.append(tf.zeros(tf.concat([[1], size, [f]], 0),
                             self.compute_dtype))
    return states

  # -- context model -------------------------------------------------------------

  def _context_input(self, previous, current, t):
    t_plane = tf.ones_like(previous[..., :1]) * tf.cast(t, previous.dtype)
    return tf.concat([previous, current, t_plane], -1)

  def context_indexes(self, codes, previous, t):
    """Float table indexes `[B, h, w, bits]` of `codes` (iteration t >= 1,
    after `previous`), each group's from the groups before it."""
    masks = self._group_masks()
    out = 0.0
    for g in range(self.context_groups):
      visible = tf.constant(masks[:g].sum(0))
      v = self.context_model(self._context_input(
          previous, codes * visible, t))
      out += tf.cast(v, tf.float32) * tf.constant(masks[g])
    return out

  def _rate_bits(self, all_codes, training, per_iteration=False):
    """Bits of the codes of every iteration under the context model: their
    sum, or with `per_iteration` a list of each iteration's bits."""
    total = 0.0
    each = []
    previous = tf.zeros_like(all_codes[0])
    tables = tf.constant(_table_bits(), tf.float32)
    for t, codes in enumerate(all_codes, start=1):
      codes = tf.stop_gradient(codes)
      v = self.context_indexes(codes, previous, t)
      if training:
        # Cross-entropy under the continuous index (its logit).
        logits = _logit(v) * codes
        total += tf.reduce_sum(tf.nn.softplus(-logits)) / math.log(2.0)
      else:
        # What the range coder spends: the chosen table's probabilities, or
        # one bit per bit when that is less (see `_encode_iteration`), and
        # the byte saying which.
        index = tf.clip_by_value(tf.floor(v), 0, NUM_TABLES - 1)
        symbol = tf.cast(codes > 0, tf.int32)
        coded = tf.reduce_sum(tf.gather_nd(tables, tf.stack(
            [tf.cast(index, tf.int32), symbol], -1)))
        bits = tf.minimum(coded, tf.cast(tf.size(codes), tf.float32)) + 8.0
        total += bits
        each.append(bits)
      previous = codes
    return each if per_iteration else total

  # -- training --------------------------------------------------------------------

  def _iterate(self, x, iterations, training=False):
    """The residual loop on a float batch (0..255): (codes of each
    iteration, the last reconstruction in [-1/2, 1/2], summed L1 of the
    residuals)."""
    target = tf.cast(x, tf.float32) / 255.0 - 0.5
    residual = target
    enc_states = [None] * 3
    dec_states = [None] * 4
    l1 = 0.0
    all_codes = []
    for t in range(iterations):
      codes, enc_states = self.encode_step(
          tf.cast(residual, self.compute_dtype), enc_states, training,
          salt=10 + t)
      x_t, dec_states = self.decode_step(codes, dec_states)
      residual = target - x_t
      l1 += tf.reduce_mean(tf.abs(residual))
      all_codes.append(codes)
    return all_codes, x_t, l1

  def call(self, x, training=False):
    iterations = self.train_iterations if training else self.iterations
    all_codes, x_t, l1 = self._iterate(x, iterations, training)
    return {"x_hat": (x_t + 0.5) * 255.0,
            "bits": self._rate_bits(all_codes, training), "l1": l1,
            "codes": tf.stack(all_codes)}

  def loss_terms(self, x, outputs):
    """The paper's loss, L1 of the residual summed over iterations, plus the
    context model's rate (which reaches only the context model)."""
    _, bpp, mse = super().loss_terms(x, outputs)
    return outputs["l1"] + self.lmbda * bpp, bpp, mse

  def iteration_bits(self, image):
    """The model's rate estimate of each iteration, in bits, for a uint8
    image: a list of `iterations` floats. The encoder is causal (iteration t
    sees only iterations 1..t), so the first k entries are also what the
    model would estimate at k iterations: a file cut after k iterations."""
    all_codes, _, _ = self._iterate(self.prepare(image), self.iterations)
    return [float(b) for b in self._rate_bits(all_codes, False,
                                              per_iteration=True)]

  # -- coding ------------------------------------------------------------------------

  def build_coders(self, state=None):
    if state and "context" in state:
      net = IntegerNetwork.from_state(*state["context"])
    else:
      net = IntegerNetwork.from_keras(self.context_model, NUM_TABLES)
    self._coders.context = net
    self._coders.state["context"] = (net.get_config(), net.arrays())

  def _integer_indexes(self, codes, previous, t, group):
    """Table indexes of one group's bits, from the integer context model."""
    masks = self._group_masks()
    visible = tf.constant(masks[:group].sum(0))
    indexes = self._coders.context(self._context_input(
        previous, codes * visible, t))
    size = self.bits // self.context_groups
    return indexes[..., group * size:(group + 1) * size]

  def _encode_iteration(self, codes, previous, t):
    """Range codes one iteration's +-1 codes `[1, h, w, bits]` to a string.

    The string is a byte saying how, then the range code: under the context
    model, or flat (one bit per bit) when that is shorter, so that entropy
    coding never costs more than a byte per iteration.
    """
    lookup = tf.constant(binary_tables())
    handle = tfc.create_range_encoder([], lookup)
    size = self.bits // self.context_groups
    symbols = tf.cast(codes > 0, tf.int32)
    for g in range(self.context_groups):
      index = self._integer_indexes(codes, previous, t, g)
      handle = tfc.entropy_encode_index(
          handle, index, symbols[..., g * size:(g + 1) * size])
    coded = tfc.entropy_encode_finalize(handle)
    flat = tfc.entropy_encode_index(
        tfc.create_range_encoder([], lookup),
        tf.fill(tf.shape(symbols), NUM_TABLES), symbols)
    flat = tfc.entropy_encode_finalize(flat)
    use_flat = tf.strings.length(flat) < tf.strings.length(coded)
    return tf.where(use_flat, tf.strings.join([_FLAT, flat]),
                    tf.strings.join([_CONTEXT, coded]))

  def _decode_iteration(self, string, previous, t):
    """Inverse of `_encode_iteration`: the codes, given the previous ones."""
    lookup = tf.constant(binary_tables())
    mode = tf.strings.substr(string, 0, 1)
    body = tf.strings.substr(string, 1, tf.maximum(
        tf.strings.length(string) - 1, 0))
    size = self.bits // self.context_groups
    masks = self._group_masks()

    def context():
      handle = tfc.create_range_decoder(body, lookup)
      codes = tf.zeros_like(previous)
      for g in range(self.context_groups):
        index = self._integer_indexes(codes, previous, t, g)
        handle, symbols = tfc.entropy_decode_index(handle, index,
                                                   tf.shape(index), tf.int32)
        group = tf.cast(symbols, tf.float32) * 2.0 - 1.0
        paddings = [[0, 0], [0, 0], [0, 0],
                    [g * size, self.bits - (g + 1) * size]]
        codes += tf.pad(group, paddings) * tf.constant(masks[g])
      return codes, tfc.entropy_decode_finalize(handle)

    def flat():
      handle = tfc.create_range_decoder(body, lookup)
      index = tf.fill(tf.shape(previous), NUM_TABLES)
      handle, symbols = tfc.entropy_decode_index(handle, index,
                                                 tf.shape(index), tf.int32)
      return (tf.cast(symbols, tf.float32) * 2.0 - 1.0,
              tfc.entropy_decode_finalize(handle))

    codes, ok = tf.cond(tf.equal(mode, _FLAT), flat, context)
    tf.debugging.Assert(ok, ["range decoding failed"])
    return codes

  def encode_codes(self, x):
    """Stock ops: padded float batch `[1, H, W, 3]` -> +-1 codes of every
    iteration `[iterations, h, w, bits]`."""
    all_codes, _, _ = self._iterate(x, self.iterations)
    return tf.stack([codes[0] for codes in all_codes])

  def decode_codes(self, codes, image_shape):
    """Stock ops: codes of k iterations `[k, h, w, bits]` -> uint8 image."""
    latent_hw = tf.shape(codes)[1:3]
    states = self.initial_decoder_states(latent_hw)
    x_t = tf.zeros(tf.concat([[1], latent_hw * 16, [3]], 0))

    def body(t, x_t, *states):
      del x_t
      x_t, new_states = self.decode_step(codes[t][None], list(states))
      return (t + 1, x_t, *new_states)

    _, x_t, *_ = tf.while_loop(lambda t, *_: t < tf.shape(codes)[0], body,
                               (tf.constant(0), x_t, *states))
    return self.finish((x_t + 0.5) * 255.0, image_shape)

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def compress(self, image):
    codes = self.encode_codes(self.prepare(image))
    previous = tf.zeros_like(codes[:1])
    strings = []
    for t in range(self.iterations):
      current = codes[t:t + 1]
      strings.append(self._encode_iteration(current, previous, t + 1))
      previous = current
    return tf.stack(strings), tf.shape(image)[:2]

  @tf.function(input_signature=_DECODE_SPEC)
  def entropy_decode(self, strings, x_shape):
    latent_hw = (x_shape + 15) // 16
    previous = tf.zeros(tf.concat([[1], latent_hw, [self.bits]], 0))
    codes = tf.TensorArray(tf.float32, size=tf.shape(strings)[0],
                           element_shape=tf.TensorShape([None, None,
                                                         self.bits]))
    for t in tf.range(tf.shape(strings)[0]):
      previous = self._decode_iteration(strings[t], previous, t + 1)
      codes = codes.write(t, previous[0])
    return {"latents": codes.stack(), "image_shape": x_shape}

  @tf.function(input_signature=_DECODE_SPEC)
  def decompress(self, strings, x_shape):
    latents = self.entropy_decode(strings, x_shape)["latents"]
    return self.decode_codes(latents, x_shape)

  def synthesis_spec(self):
    return (tf.TensorSpec((None, None, None, self.bits), tf.float32,
                          name="latents"),
            tf.TensorSpec((2,), tf.int32, name="image_shape"))

  @tf.function(reduce_retracing=True)
  def synthesis(self, latents, image_shape):
    """Stock ops: +-1 codes of k iterations -> {"image"}."""
    return {"image": self.decode_codes(latents, image_shape)}

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def analysis(self, image):
    """Stock ops: image -> the raw +-1 codes of every iteration."""
    return {"latents": self.encode_codes(self.prepare(image)),
            "image_shape": tf.shape(image)[:2]}

  def get_config(self):
    return {"iterations": self.iterations,
            "train_iterations": self.train_iterations, "bits": self.bits,
            "encoder_filters": list(self.encoder_filters),
            "decoder_filters": list(self.decoder_filters),
            "context_filters": self.context_filters,
            "context_groups": self.context_groups,
            "train_part": self.train_part, "lmbda": self.lmbda}
