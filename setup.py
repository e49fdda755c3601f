"""tfcodec: a TensorFlow/Keras model zoo for learned image compression."""

import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
version = {}
for line in (HERE / "tfcodec" / "__init__.py").read_text().splitlines():
  if line.startswith("__version__"):
    exec(line, version)  # pylint: disable=exec-used

setup(
    name="tfcodec",
    version=version["__version__"],
    description="TensorFlow/Keras model zoo for learned image compression",
    long_description=(HERE / "README.md").read_text(encoding="utf-8")
    if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.11,<3.12",
    packages=find_packages(include=["tfcodec", "tfcodec.*"]),
    package_data={"tfcodec": ["weights/*/*", "data/*"]},
    include_package_data=True,
    install_requires=[
        # The last tensorflow-compression release; it pins TensorFlow 2.14.
        "tensorflow-compression==2.14.1",
        "tensorflow~=2.14.0",
        # tfds 4.9.x; tensorflow-metadata 1.18+ needs protobuf 5, which
        # TF 2.14 refuses.
        "tensorflow-datasets>=4.9,<4.10",
        "tensorflow-metadata<1.18",
        # tfds' dataset builders import it through etils; the tfds wheel
        # does not declare it.
        "importlib_resources",
        # TF 2.14 is built against the NumPy 1.x ABI.
        "numpy<2",
        "pillow>=11.2",
        "absl-py",
        "matplotlib",
        "tqdm",
        # Piecewise cubic (PCHIP) interpolation for Bjontegaard deltas.
        "scipy",
        # The standalone TFLite runtime for `decompress --backend tflite`.
        "ai-edge-litert>=2.0,<3",
    ],
    extras_require={
        # gRPC client (PredictRequest protos); the release that matches TF.
        "serving": ["tensorflow-serving-api==2.14.1"],
        # pytest-xdist: `make test` spreads the test files over TEST_WORKERS
        # processes.
        "test": ["pytest>=7", "pytest-xdist>=3", "tensorflow-serving-api==2.14.1"],
    },
    entry_points={"console_scripts": ["tfcodec=tfcodec.cli:run"]},
)
