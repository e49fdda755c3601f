#!/bin/bash
# Training of the variable-rate hyperprior (2 CPU cores), run from the
# repository root. It starts from the shipped single-rate quality 4
# (lambda 0.011): its transforms and side prior, with each rate's gains at
# sqrt(lambda / 0.011). One run then trains all seven rates, with the
# lambdas of the shipped single-rate qualities 1-7.
# Its first run was stopped at step 5,200 and measured worse on Kodak than
# its starting point (BUILD_NOTES.md, "What each training lever bought");
# no weights from it are shipped. A second run, the same command with
# "balance": "log" added to CFG and --checkpoint_dir=runs/hyperprior_vr-log
# (--output_dir=runs/hyperprior_vr-log/final), was stopped at step 2,000 and
# measured worse than its starting point too.
set -e
CFG='{"num_filters": 96, "latent_channels": 128, "kernel_parameter": "dct",
      "lmbdas": [0.0009, 0.002, 0.005, 0.011, 0.024, 0.05, 0.1], "quality": 4}'

python -m models.hyperprior_vr_init --source=tfcodec/weights/hyperprior-q4 \
  --model_config="$CFG" --output_dir=runs/hyperprior_vr-init

python -m models.train --model=hyperprior_vr --model_config="$CFG" \
  --init_from=runs/hyperprior_vr-init --data_dir=../shared/datasets/train \
  --steps=40000 --crop_size=128 --batch_size=8 --learning_rate=1e-4 \
  --lr_decay_at=0.8 --checkpoint_dir=runs/hyperprior_vr \
  --checkpoint_minutes=4 --log_every=200 --output_dir=runs/hyperprior_vr/final
