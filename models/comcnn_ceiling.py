r"""What a half-size design can reach: Kodak through 2x2 average, JPEG, bicubic.

  python -m models.comcnn_ceiling --kodak_dir=../shared/datasets/kodak

For each JPEG quality (and "none", no JPEG at all), every image is
downsampled 2x by a 2x2 average (where an untrained ComCNN starts), coded by
TensorFlow's JPEG 4:2:0 at that quality (optimized Huffman tables, as
comcnn and the Pillow baseline code), and upsampled 2x by comcnn's fixed
bicubic layer (where an untrained RecCNN starts). Prints a Markdown table of
mean bpp and PSNR on RGB, with Pillow JPEG 4:2:0 at the same bpp beside it.
RecCNN has to win back the difference.
"""

from absl import app, flags

flags.DEFINE_string("kodak_dir", "../shared/datasets/kodak", "Test images.")
flags.DEFINE_list("quality", ["none", "50", "70", "85", "95"],
                  "JPEG qualities of the half-size image; none = no JPEG.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, codecs, metrics  # pylint: disable=g-import-not-at-top
  from tfcodec import io as tio
  from tfcodec.models.comcnn import BicubicUpsample

  paths = bench.list_images(FLAGS.kodak_dir)
  images = [tio.read_image(p) for p in paths]
  upsample = BicubicUpsample(3)
  # Pillow JPEG 4:2:0 over its quality sweep, as the benchmarks measure it.
  pillow = codecs.JPEG420()
  rows = [[bench.measure_codec(pillow, q, image) for image in images]
          for q in range(5, 100, 5)]
  jpeg_bpp = [np.mean([r["bpp"] for r in row]) for row in rows]
  jpeg_psnr = [np.mean([r["psnr-rgb"] for r in row]) for row in rows]
  print(f"{len(images)} images from {FLAGS.kodak_dir}\n")
  print("| JPEG quality of the half-size image | bpp | PSNR (dB) | Pillow "
        "JPEG 4:2:0 at that bpp (dB) |\n|---|---|---|---|")
  for quality in FLAGS.quality:
    bpps, psnrs = [], []
    for image in images:
      h, w = image.shape[:2]
      x = tf.cast(image[:h // 2 * 2, :w // 2 * 2], tf.float32)[None]
      small = tf.nn.avg_pool2d(x, 2, 2, "VALID")
      if quality != "none":
        small8 = tf.cast(tf.clip_by_value(tf.round(small), 0, 255), tf.uint8)
        string = tf.io.encode_jpeg(small8[0], quality=int(quality),
                                   optimize_size=True)
        bpps.append(8 * len(string.numpy()) / (h * w))
        small = tf.cast(tf.io.decode_jpeg(string, channels=3), tf.float32)[None]
      up = upsample(small / 255.0 - 0.5)
      y = np.clip(np.round((up.numpy()[0] + 0.5) * 255.0), 0, 255)
      full = np.asarray(image, np.float64)
      y = np.pad(y, [(0, h - y.shape[0]), (0, w - y.shape[1]), (0, 0)],
                 mode="edge")
      psnrs.append(metrics.psnr(full, y))
    bpp = float(np.mean(bpps)) if bpps else float("nan")
    at = bench.interpolate(bpp, jpeg_bpp, jpeg_psnr) if bpps else float("nan")
    print(f"| {quality} | {bpp:.4f} | {np.mean(psnrs):.2f} | {at:.2f} |",
          flush=True)


if __name__ == "__main__":
  app.run(main)
