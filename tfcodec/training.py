"""The training loop shared by every model family.

`train(config)` builds the strategy, the model (through the zoo registry) and
the data pipeline, resumes from the newest checkpoint in
`config.checkpoint_dir` when there is one, and fits with:

* checkpoints every `checkpoint_minutes` (model, optimizer, step), so a killed
  run resumes at its last checkpoint with the same data position;
* a log line per `log_every` steps with the metrics, speed and ETA;
* TensorBoard summaries (rate, distortion, PSNR, validation, learning rate);
* validation on held-out images.

Strategy: `MultiWorkerMirroredStrategy` when `TF_CONFIG` is set, otherwise
`MirroredStrategy` over the local devices.
"""

import dataclasses
import gc
import json
import os
import time
from typing import List, Optional, Sequence, Tuple

import tensorflow as tf
from absl import logging

from tfcodec import data as tdata

__all__ = ["Config", "make_strategy", "build_model", "train", "save_weights",
           "learning_rate_schedule", "resolve_checkpoint", "is_chief",
           "load_data"]


@dataclasses.dataclass
class Config:
  """Everything a training run needs. Binaries fill it from flags."""
  model: str = "hyperprior"
  model_config: dict = dataclasses.field(default_factory=dict)
  data_dirs: List[str] = dataclasses.field(default_factory=list)
  checkpoint_dir: str = "runs/default"
  steps: int = 10000
  crop_size: int = 128
  batch_size: int = 8
  learning_rate: float = 1e-4
  lr_decay_at: Tuple[float, ...] = (0.85,)
  lr_decay_factor: float = 0.1
  validation_fraction: float = 0.05
  validation_crop: int = 256
  log_every: int = 100
  checkpoint_minutes: float = 5.0
  seed: int = 0
  precision: str = "float32"
  jit_compile: bool = False
  jpeg_scale: Tuple[float, float] = (0.5, 0.9)
  #: Candidate crops per sample, keeping the largest as PNG (see
  #: `tfcodec.data.train_dataset`); 1 is plain random crops.
  hard_crops: int = 1
  #: Fine-tuning: a checkpoint prefix, a run folder (its newest checkpoint)
  #: or a shipped weights folder whose model weights start a fresh run. The
  #: step counter and optimizer start from zero; ignored when resuming.
  init_from: Optional[str] = None
  #: A tfds catalog dataset (e.g. "clic") instead of `data_dirs`, its
  #: validation split, and tfds' data folder (default ~/tensorflow_datasets).
  tfds_catalog: Optional[str] = None
  tfds_validation_split: str = "validation"
  tfds_data_dir: Optional[str] = None
  #: "adam", or "sgd" (plain gradient descent: its steps scale with the
  #: gradient, which the distribution tests rely on).
  optimizer: str = "adam"


def make_strategy() -> tf.distribute.Strategy:
  if os.environ.get("TF_CONFIG"):
    return tf.distribute.MultiWorkerMirroredStrategy()
  return tf.distribute.MirroredStrategy()


def build_model(config: Config):
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  return zoo.build(config.model, **config.model_config)


def resolve_checkpoint(path: str) -> str:
  """A checkpoint prefix from a prefix, a run folder or a weights folder."""
  if os.path.isdir(path):
    for candidate in (tf.train.latest_checkpoint(os.path.join(path, "ckpt")),
                      tf.train.latest_checkpoint(path),
                      os.path.join(path, "weights")):
      if candidate and tf.io.gfile.exists(candidate + ".index"):
        return candidate
    if os.path.isfile(os.path.join(path, "weights.npz")):
      return os.path.join(path, "weights.npz")
    raise ValueError(f"{path}: no checkpoint or weights in this folder")
  if not tf.io.gfile.exists(path + ".index"):
    raise ValueError(f"{path}: not a checkpoint (no {path}.index)")
  return path


def load_data(config: Config):
  """(training, validation) images through tensorflow-datasets: the local
  folders' `LocalImages` builder, or a catalog dataset."""
  from tfcodec import tfds_local  # pylint: disable=g-import-not-at-top
  common = dict(folders=config.data_dirs,
                validation_fraction=config.validation_fraction,
                catalog=config.tfds_catalog, data_dir=config.tfds_data_dir,
                builder_min_size=min(config.crop_size, config.validation_crop))
  train_images = tfds_local.load_split("train", config.crop_size, **common)
  val_images = tfds_local.load_split(
      config.tfds_validation_split if config.tfds_catalog else "validation",
      config.validation_crop, **common)
  return train_images, val_images


def is_chief(strategy) -> Tuple[bool, int]:
  """(whether this process writes the run's files, its task index)."""
  resolver = getattr(strategy, "cluster_resolver", None)
  if resolver is None or not getattr(resolver, "task_type", None):
    return True, 0
  task_type, task_id = resolver.task_type, int(resolver.task_id or 0)
  has_chief = "chief" in resolver.cluster_spec().as_dict()
  return (task_type == "chief" or (not has_chief and task_type == "worker"
                                   and task_id == 0)), task_id


def make_optimizer(config: Config):
  schedule = learning_rate_schedule(config)
  if config.optimizer == "adam":
    return tf.keras.optimizers.Adam(schedule)
  if config.optimizer == "sgd":
    return tf.keras.optimizers.SGD(schedule)
  raise ValueError(f"unknown optimizer '{config.optimizer}' (adam or sgd)")


def learning_rate_schedule(config: Config):
  boundaries = [int(f * config.steps) for f in config.lr_decay_at]
  values = [config.learning_rate * config.lr_decay_factor ** i
            for i in range(len(boundaries) + 1)]
  if not boundaries:
    return config.learning_rate
  return tf.keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)


class _Progress(tf.keras.callbacks.Callback):
  """Checkpoints on a timer, logs one line per epoch with ETA."""

  def __init__(self, config, manager, writer, start_step):
    super().__init__()
    self.config = config
    self.manager = manager
    self.writer = writer
    self.start_step = start_step
    self.t0 = time.time()
    self.last_save = time.time()

  def _step(self):
    return int(self.model.optimizer.iterations.numpy())

  def on_epoch_end(self, epoch, logs=None):
    # The validation pass has just dropped its iterators. Freed now, their
    # tf.data autotuning threads stop at once; freed by a later garbage
    # collection, each one first sleeps out its autotuning period (up to a
    # minute in TF 2.14), and training waits with it (BUILD_NOTES.md).
    gc.collect()
    logs = logs or {}
    step = self._step()
    elapsed = time.time() - self.t0
    rate = (step - self.start_step) / max(elapsed, 1e-9)
    eta = (self.config.steps - step) / max(rate, 1e-9)
    lr = self.model.optimizer.learning_rate
    if isinstance(lr, tf.keras.optimizers.schedules.LearningRateSchedule):
      lr = lr(step)
    lr = float(tf.convert_to_tensor(lr).numpy())
    metrics = " ".join(f"{k}={v:.4g}" for k, v in logs.items())
    logging.info("step %d/%d %s lr=%.2g %.3fs/step eta %dm%02ds", step,
                 self.config.steps, metrics, lr, 1 / max(rate, 1e-9),
                 int(eta) // 60, int(eta) % 60)
    with self.writer.as_default(step=step):
      for k, v in logs.items():
        tf.summary.scalar(k, v)
      tf.summary.scalar("learning_rate", lr)
      tf.summary.scalar("seconds_per_step", 1 / max(rate, 1e-9))
    if (time.time() - self.last_save >= 60 * self.config.checkpoint_minutes
        or step >= self.config.steps):
      path = self.manager.save(checkpoint_number=step)
      self.last_save = time.time()
      logging.info("saved checkpoint %s", path)


def _log_samples(model, writer, dataset, step):
  batch = next(iter(dataset))
  x = tf.cast(batch[:2], tf.float32)
  x_hat = model(x, training=False)["x_hat"]
  with writer.as_default(step=step):
    tf.summary.image("original", tf.cast(x, tf.uint8), max_outputs=2)
    tf.summary.image("reconstruction",
                     tf.saturate_cast(tf.round(x_hat), tf.uint8), max_outputs=2)


def train(config: Config, strategy: Optional[tf.distribute.Strategy] = None):
  """Trains (or resumes training) a model; returns (model, history logs)."""
  if config.precision != "float32":
    tf.keras.mixed_precision.set_global_policy(config.precision)
  strategy = strategy or make_strategy()
  train_images, val_images = load_data(config)
  logging.info("%d training images, %d validation images", len(train_images),
               len(val_images))


  chief, task = is_chief(strategy)
  os.makedirs(config.checkpoint_dir, exist_ok=True)
  if chief:
    with open(os.path.join(config.checkpoint_dir, "config.json"), "w") as f:
      json.dump(dataclasses.asdict(config), f, indent=1)
  ckpt_dir = os.path.join(config.checkpoint_dir, "ckpt")
  with strategy.scope():
    model = build_model(config)
    model.compile(optimizer=make_optimizer(config),
                  jit_compile=config.jit_compile)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    # Every worker saves (the variables are synchronized), but only the
    # chief into the run's folder; the others into their own scratch folder.
    manager = tf.train.CheckpointManager(
        checkpoint, ckpt_dir if chief else os.path.join(
            config.checkpoint_dir, f"scratch-worker-{task}"), max_to_keep=2)
    latest = tf.train.latest_checkpoint(ckpt_dir)
    if latest:
      checkpoint.restore(latest)
      logging.info("resumed from %s", latest)
    elif config.init_from:
      path = resolve_checkpoint(config.init_from)
      # Read into a fresh, uncompiled copy: the compiled model tracks its
      # optimizer, whose step counter and slots must start afresh.
      source = build_model(config)
      if path.endswith(".npz"):
        from tfcodec import zoo  # pylint: disable=g-import-not-at-top
        zoo.read_weights(source, os.path.dirname(path))
      else:
        status = tf.train.Checkpoint(model=source).read(path)
        status.expect_partial().assert_existing_objects_matched()
      model.set_weights(source.get_weights())
      logging.info("initialised the model weights from %s", path)
  start_step = int(model.optimizer.iterations.numpy())
  epoch_steps = config.log_every
  if start_step >= config.steps:
    logging.info("already trained for %d steps", start_step)
    return model, {}

  train_ds = tdata.train_dataset(train_images, config.crop_size,
                                 config.batch_size, seed=config.seed,
                                 start_step=start_step,
                                 jpeg_scale=config.jpeg_scale,
                                 hard_crops=config.hard_crops)
  val_ds = tdata.validation_dataset(val_images, config.validation_crop,
                                    config.batch_size)
  writer = tf.summary.create_file_writer(
      os.path.join(config.checkpoint_dir, "train")) if chief else (
          tf.summary.create_noop_writer())
  progress = _Progress(config, manager, writer, start_step)
  total_epochs = -(-config.steps // epoch_steps)
  history = model.fit(
      train_ds, epochs=total_epochs, initial_epoch=start_step // epoch_steps,
      steps_per_epoch=epoch_steps, validation_data=val_ds,
      validation_freq=max(1, total_epochs // 20),
      callbacks=[tf.keras.callbacks.TerminateOnNaN(), progress], verbose=0)
  _log_samples(model, writer, val_ds, int(model.optimizer.iterations.numpy()))
  writer.flush()
  return model, {k: v[-1] for k, v in history.history.items()}


def save_weights(model, name: str, out_dir: str, quality: int = 0,
                 qualities: Optional[Sequence[int]] = None) -> None:
  """Writes what `zoo.load_from_dir` reads: config.json, the weights in
  float16 (weights.npz), and the range-coding tables (coders.npz), built
  here from the rounded weights.

  `qualities`: for families with a `quality_argument`, every quality these
  weights serve (the zoo lists each); by default, the model's own
  `default_qualities()`.
  """
  import numpy as np  # pylint: disable=g-import-not-at-top

  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  os.makedirs(out_dir, exist_ok=True)
  # A fresh copy: a compiled Keras model tracks its optimizer, whose slots
  # would otherwise triple the size of the shipped weights.
  trained = model
  model = zoo.build(name, **trained.get_config())
  model.set_weights(trained.get_weights())
  # Shipped in float16: the coding tables are built from the rounded weights.
  zoo.round_weights(model)
  model.update()
  state = model.coder_state()
  zoo.write_weights(model, out_dir)
  np.savez_compressed(os.path.join(out_dir, "coders.npz"),
           **{f"{key}/{i}": a for key, (_, arrays) in state.items()
              for i, a in enumerate(arrays)})
  with open(os.path.join(out_dir, "config.json"), "w") as f:
    meta = {"model": name, "quality": quality}
    qualities = qualities or model.default_qualities()
    if qualities:
      meta["qualities"] = [int(q) for q in qualities]
    json.dump({**meta, "config": model.get_config(),
               "coders": {key: config for key, (config, _) in state.items()}},
              f, indent=1)
