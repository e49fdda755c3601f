"""tf.distribute: one replica, two replicas and two worker processes agree.

Each sample's crop and quantization noise are keyed by its index in the data
stream, and the loss is scaled per replica, so splitting a batch across
replicas or workers must not change the losses, the logged metrics or the
trained weights beyond float rounding.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.conftest import smooth_image
from tfcodec import zoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
  root = tmp_path_factory.mktemp("distributed")
  images = root / "images"
  images.mkdir()
  for i in range(8):
    Image.fromarray(smooth_image(72 + 4 * i, 90, seed=20 + i)).save(
        images / f"img{i}.png")
  tf.keras.utils.set_random_seed(5)
  model = zoo.build("hyperprior", num_filters=8, latent_channels=8)
  init = str(root / "init" / "weights")
  tf.train.Checkpoint(model=model).write(init)
  return root, str(images), init


def _worker(args, out, env=None):
  return subprocess.Popen([sys.executable, "-m", "tests.distributed_worker",
                           *args, str(out)], cwd=ROOT, env=env)


def _result(path):
  with open(path) as f:
    return json.load(f)


def _assert_same_run(a, b):
  assert a["steps"] == b["steps"]
  assert set(a["logs"]) == set(b["logs"]) >= {"loss", "bpp", "mse", "psnr",
                                                "val_loss"}
  for key in a["logs"]:
    np.testing.assert_allclose(a["logs"][key], b["logs"][key], rtol=2e-4,
                               err_msg=key)
  np.testing.assert_allclose(a["weights_abs_sum"], b["weights_abs_sum"],
                             rtol=2e-4)


def test_two_replicas_train_like_one(setup):
  root, images, init = setup
  runs = {}
  for replicas in (1, 2):
    out = root / f"mirrored-{replicas}.json"
    process = _worker(["mirrored", str(replicas), images, init,
                       str(root / f"run-mirrored-{replicas}")], out)
    assert process.wait(timeout=600) == 0
    runs[replicas] = _result(out)
  assert runs[1]["replicas"] == 1 and runs[2]["replicas"] == 2
  _assert_same_run(runs[1], runs[2])


def _free_ports(n):
  sockets = [socket.socket() for _ in range(n)]
  for s in sockets:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def test_two_workers_agree_and_only_the_chief_writes_the_run(setup):
  root, images, init = setup
  run = root / "run-multiworker"
  cluster = {"worker": [f"localhost:{p}" for p in _free_ports(2)]}
  processes = []
  for index in range(2):
    env = dict(os.environ, TF_CONFIG=json.dumps(
        {"cluster": cluster, "task": {"type": "worker", "index": index}}))
    processes.append(_worker(["multiworker", "-", images, init, str(run)],
                             root / f"worker-{index}.json", env))
  for process in processes:
    assert process.wait(timeout=600) == 0
  chief, other = (_result(root / f"worker-{i}.json") for i in range(2))
  assert chief["replicas"] == other["replicas"] == 2
  _assert_same_run(chief, other)
  assert os.path.isfile(run / "ckpt" / "ckpt-4.index")
  assert os.path.isfile(run / "config.json")
  assert not os.path.exists(run / "scratch-worker-0")
  assert os.path.isdir(run / "scratch-worker-1")
  # One process on one device trains the same way.
  out = root / "single.json"
  assert _worker(["mirrored", "1", images, init, str(root / "run-single")],
                 out).wait(timeout=600) == 0
  _assert_same_run(chief, _result(out))


def test_a_killed_run_resumes_exactly(setup):
  root, images, init = setup
  steps = 40
  straight = root / "straight.json"
  assert _worker(["single", str(steps), images, init,
                  str(root / "run-straight")], straight).wait(timeout=600) == 0
  run = root / "run-killed"
  process = _worker(["single", str(steps), images, init, str(run)],
                    root / "killed.json")
  deadline = time.time() + 600
  while time.time() < deadline and process.poll() is None:
    if (run / "ckpt" / "ckpt-4.index").exists():
      break
    time.sleep(0.1)
  process.send_signal(signal.SIGKILL)
  process.wait(timeout=60)
  assert not (root / "killed.json").exists(), "the run ended before the kill"
  saved = sorted(int(f[5:-6]) for f in os.listdir(run / "ckpt")
                 if f.endswith(".index"))
  assert 4 <= saved[-1] < steps
  resumed = root / "resumed.json"
  assert _worker(["single", str(steps), images, init, str(run)],
                 resumed).wait(timeout=600) == 0
  a, b = _result(straight), _result(resumed)
  assert a["steps"] == b["steps"] == steps
  for key in a["logs"]:
    np.testing.assert_allclose(a["logs"][key], b["logs"][key], rtol=1e-5,
                               err_msg=key)
  np.testing.assert_allclose(a["weights_abs_sum"], b["weights_abs_sum"],
                             rtol=1e-5)
