"""The mean-head pilot's model (see `models.mean_scale_pilot`, its binary).

No flags here, so that tests can import it beside other binaries' flags.
"""

MODEL_NAME = "hyperprior_mean_pilot"


def _model_class():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  import tensorflow_compression as tfc  # pylint: disable=g-import-not-at-top

  from tfcodec.layers.subpixel import conv2d  # pylint: disable=g-import-not-at-top
  from tfcodec.models.hyperprior import ScaleHyperprior  # pylint: disable=g-import-not-at-top

  class MeanScalePilot(ScaleHyperprior):
    """ScaleHyperprior plus a mean head (training and validation only)."""

    def __init__(self, signed_hyper=False, **kwargs):
      super().__init__(**kwargs)
      self.mean_head = conv2d(self.latent_channels, 3, name="mean_head",
                              kernel_parameter=self.kernel_parameter)
      heads = [self.mean_head]
      self.signed_hyper = bool(signed_hyper)
      if self.signed_hyper:
        # The hyper-analysis sees |y|, so z cannot tell a latent's sign and
        # no mean can be predicted from it. This branch adds y itself to
        # the first layer's pre-activation (a first layer over [|y|, y]).
        self.sign_branch = conv2d(
            self.num_filters, 3, name="sign_branch",
            kernel_parameter=self.kernel_parameter)
        heads.append(self.sign_branch)
      self.build_eagerly()
      for head in heads:
        head.set_weights([0.0 * w for w in head.get_weights()])

    def _hyper_analysis(self, y):
      if not getattr(self, "signed_hyper", False):
        return self.hyper_analysis_transform(tf.abs(y))
      first, *rest = self.hyper_analysis_transform.layers
      activation, first.activation = first.activation, None
      try:
        h = activation(first(tf.abs(y)) + self.sign_branch(y))
      finally:
        first.activation = activation
      for layer in rest:
        h = layer(h)
      return h

    def _hyper(self, z_hat):
      if not hasattr(self, "mean_head"):  # The parent's build call.
        return self.hyper_synthesis_transform(z_hat), 0.0
      layers = self.hyper_synthesis_transform.layers
      features = z_hat
      for layer in layers[:-1]:
        features = layer(features)
      return layers[-1](features), self.mean_head(features)

    def call(self, x, training=False):
      y = self._analyze(x)
      z = self._hyper_analysis(y)
      if training:
        z_hat = self._perturb(z, 1)
        indexes, loc = self._hyper(z_hat)
        indexes = tfc.upper_bound(tfc.lower_bound(
            tf.cast(indexes, tf.float32), 0.0), self.num_scales - 1.0)
        y_tilde = self._perturb(y, 2)
        if self.quantization == "mixed":
          y = tf.cast(y, tf.float32)
          y_hat = y + tf.stop_gradient(tf.round(y - loc) + loc - y)
        else:
          y_hat = y_tilde
        prior = tfc.NoisyNormal(loc=loc, scale=self.scale_fn(indexes))
        side_bits = self._bits(self.hyperprior, z_hat)
        bits = self._bits(prior, y_tilde)
      else:
        side_model = tfc.ContinuousBatchedEntropyModel(
            self.hyperprior, coding_rank=3, compression=False)
        z_hat, side_bits = side_model(z, training=False)
        indexes, loc = self._hyper(z_hat)
        y_hat, bits = self._latent_estimate_model()(
            y, indexes, loc=loc, training=False)
      side_bits = tf.reduce_sum(side_bits)
      return {"x_hat": self._synthesize(y_hat),
              "bits": tf.reduce_sum(bits) + side_bits, "side_bits": side_bits}

  return MeanScalePilot


def register():
  """Registers the pilot in the zoo (once), so that training can build it."""
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  if MODEL_NAME not in zoo.names():  # The zoo's own models fill it first.
    zoo.register_model(MODEL_NAME)(_model_class())


def build_pilot(config, scale_weights: str):
  """The pilot model: the ScaleHyperprior weights in `scale_weights` (built
  with `config`) plus its new layers, all zero."""
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  register()
  scale = zoo.build("hyperprior", **{
      k: v for k, v in config.items() if k != "signed_hyper"})
  zoo.read_weights(scale, scale_weights)
  pilot = zoo.build(MODEL_NAME, **config)
  n = len(scale.weights)
  if [v.shape for v in pilot.weights[:n]] != [v.shape for v in scale.weights]:
    raise ValueError("the mean head changed the order of the variables")
  pilot.set_weights(scale.get_weights() + pilot.get_weights()[n:])
  return pilot
