"""Run as a fresh process: train a tiny model under a distribution strategy.

  mirrored REPLICAS IMAGES INIT RUN_DIR OUT.json
      (two logical CPU devices; REPLICAS of them under MirroredStrategy)
  multiworker - IMAGES INIT RUN_DIR OUT.json
      (MultiWorkerMirroredStrategy from TF_CONFIG)
  single STEPS IMAGES INIT RUN_DIR OUT.json
      (the default strategy; STEPS steps; resumes from RUN_DIR)

Writes the final logged metrics and a digest of the trained weights.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def config(images, init, run_dir, steps=4):
  from tfcodec import training  # pylint: disable=g-import-not-at-top
  return training.Config(
      model="hyperprior", model_config=dict(num_filters=8, latent_channels=8,
                                            lmbda=0.01),
      data_dirs=[images], checkpoint_dir=run_dir, steps=steps, crop_size=64,
      batch_size=4, learning_rate=1e-4, log_every=2, checkpoint_minutes=0,
      validation_fraction=0.3, validation_crop=64, init_from=init,
      tfds_data_dir=os.path.join(os.path.dirname(images), "tfds"),
      # SGD's steps scale with the gradient (Adam's barely do), so a wrongly
      # scaled per-replica loss shows in the weights.
      optimizer="sgd")


def main(mode, replicas, images, init, run_dir, out):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if mode == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    devices = [f"/cpu:{i}" for i in range(int(replicas))]
    strategy = tf.distribute.MirroredStrategy(devices)
  else:
    strategy = None  # training.make_strategy reads TF_CONFIG
  steps = int(replicas) if mode == "single" else 4
  from tfcodec import training  # pylint: disable=g-import-not-at-top
  model, logs = training.train(config(images, init, run_dir, steps), strategy)
  weights = [v.numpy() for v in model.trainable_variables]
  with open(out, "w") as f:
    json.dump({"logs": {k: float(v) for k, v in logs.items()},
               "replicas": model.distribute_strategy.num_replicas_in_sync,
               "weights_abs_sum": [float(abs(w).sum()) for w in weights],
               "steps": int(model.optimizer.iterations.numpy())}, f)


if __name__ == "__main__":
  main(*sys.argv[1:])
