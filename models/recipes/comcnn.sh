#!/bin/bash
# The training chain behind the shipped comcnn weights (2 CPU cores), in
# turns as in Jiang et al. 2017: RecCNN on real JPEG outputs of the frozen
# ComCNN, then ComCNN through the frozen RecCNN (JPEG's straight-through
# approximation), then RecCNN again on the new ComCNN's JPEG outputs. Each
# turn starts from the previous one's weights (--init_from: fresh Adam and
# step counter). JPEG qualities 10-90 are drawn per sample, so one pair of
# networks serves every shipped quality. The first turn ran with
# --steps=500 and was stopped at its step-200 checkpoint (so its learning
# rate never decayed). Run from the repository root.
set -e
COMMON="--model=comcnn --lmbda=1 --crop_size=64 --batch_size=16 \
  --checkpoint_minutes=4 --log_every=50 --data_dir=../shared/datasets/train"
python -m models.train $COMMON --model_config='{"train_part": "rec"}' \
  --learning_rate=1e-4 --lr_decay_at=0.8 --steps=200 \
  --checkpoint_dir=runs/comcnn-1-rec
python -m models.train $COMMON --model_config='{"train_part": "com"}' \
  --learning_rate=1e-4 --lr_decay_at=0.8 --steps=300 \
  --checkpoint_dir=runs/comcnn-2-com --init_from=runs/comcnn-1-rec
python -m models.train $COMMON --model_config='{"train_part": "rec"}' \
  --learning_rate=1e-4 --lr_decay_at=0.7 --steps=300 \
  --checkpoint_dir=runs/comcnn-3-rec --init_from=runs/comcnn-2-com \
  --output_dir=runs/comcnn-final --quality=50 \
  --qualities=10,20,30,40,50,60,70,80,90
# Shipped as tfcodec/weights/comcnn (a copy of runs/comcnn-final).
