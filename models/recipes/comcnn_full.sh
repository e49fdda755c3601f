#!/bin/bash
# The training behind the shipped comcnn_full weights (2 CPU cores): the
# ComCNN/RecCNN pair with a full-resolution compact image (scale 1), for
# the rates where comcnn's half-size image cannot keep up. One turn of
# RecCNN on the real JPEG outputs of ComCNN at its start (the image plus a
# small learned term); JPEG qualities 5-50 drawn per sample, so one pair of
# networks serves every shipped quality. RecCNN works at half resolution
# through space-to-depth. float32 (this machine had no AMX, where bfloat16
# was slower). Run from the repository root.
set -e
python -m models.train --model=comcnn_full --lmbda=1 --crop_size=128 \
  --batch_size=16 --precision=float32 --checkpoint_minutes=4 --log_every=50 \
  --data_dir=../shared/datasets/train \
  --model_config='{"train_part": "rec", "rec_resolution": "half"}' \
  --learning_rate=2e-4 --lr_decay_at=0.8 --steps=3000 \
  --checkpoint_dir=runs/comcnn-full-rec
python -m models.package_weights --checkpoint_dir=runs/comcnn-full-rec \
  --quality=20 --qualities=5,10,15,20,25,30,40,50 \
  --output_dir=tfcodec/weights/comcnn_full
