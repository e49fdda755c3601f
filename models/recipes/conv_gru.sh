#!/bin/bash
# The training chain behind the shipped conv_gru weights (2 CPU cores).
# 1. The codec and its context model, 16 iterations unrolled, 32x32 crops
#    (the paper's), batch 32. To fit the session the run was started with
#    --steps=2400, resumed from its step-400 checkpoint with --steps=1300 and
#    from its step-900 checkpoint with --steps=1100 (below): Adam 3e-4 until
#    step 880, then 3e-5.
# 2. The context model alone (the codec frozen) on 128x128 crops: on 32x32
#    crops the codes are 2x2, so the context model never saw a code away
#    from the border.
# 3. (a later session) The codec again from the weights of step 2, Adam 3e-4
#    until step 960, then 3e-5. The run was started with --steps=2000
#    --log_every=50 and resumed from its step-200 checkpoint with the
#    command below, to fit the session.
# 4. The context model alone again, for the new codes.
# 5. (a third session) The codec again from the weights of step 4, with
#    step 3's settings, in one run: Adam 3e-4 until step 960, then 3e-5.
# 6. The context model alone again.
# 7. (a fourth session) The codec again from the weights of step 6 on 64x64
#    crops, batch 8 (the same pixels per step as 32 x 32x32), for 1,800
#    steps: Adam 3e-4 until step 1440, then 3e-5. The run was started with
#    --steps=1200, stopped at its step-100 checkpoint, resumed with
#    --steps=1200 to step 300 and from there with the command below; the
#    learning rate first changes at 80% of --steps, so steps 1-300 ran the
#    same schedule as a --steps=1800 run.
# 8. The context model alone again.
# 9. (a fifth session) The codec again from the weights of step 8 on 128x128
#    crops, batch 2 (again the same pixels per step), for 1,800 steps: Adam
#    3e-4 until step 1440, then 3e-5. It ran in two parts across sessions,
#    resumed from its step-400 checkpoint with the same command.
# 10. The context model alone again.
# 11. (a sixth session) Step 9 again, from the weights of step 10. It ran in
#     two parts across sessions, resumed from its step-900 checkpoint with
#     the same command.
# 12. The context model alone again.
# 13. Step 11 again, from the weights of step 12.
# 14. The context model alone again.
# 15. Step 13 again, from the weights of step 14, each crop the hardest of
#     four candidates (--hard_crops=4: the largest as PNG). It ran in two
#     parts across sessions, resumed from its step-200 checkpoint with the
#     same command.
# 16. The context model alone again.
# Run from the repository root.
set -e
python -m models.train --model=conv_gru --lmbda=1 --crop_size=32 --batch_size=32 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1100 --checkpoint_minutes=4 \
  --log_every=50 --data_dir=../shared/datasets/train --checkpoint_dir=runs/conv_gru-1
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-1 \
  --checkpoint_dir=runs/conv_gru-2-context \
  --output_dir=runs/conv_gru-final --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=32 --batch_size=32 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1200 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final \
  --checkpoint_dir=runs/conv_gru-3
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-3 \
  --checkpoint_dir=runs/conv_gru-4-context \
  --output_dir=runs/conv_gru-final-2 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=32 --batch_size=32 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1200 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final-2 \
  --checkpoint_dir=runs/conv_gru-5
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-5 \
  --checkpoint_dir=runs/conv_gru-6-context \
  --output_dir=runs/conv_gru-final-3 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=64 --batch_size=8 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1800 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final-3 \
  --checkpoint_dir=runs/conv_gru-7-crop64
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-7-crop64 \
  --checkpoint_dir=runs/conv_gru-8-context \
  --output_dir=runs/conv_gru-final-4 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=2 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1800 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final-4 \
  --checkpoint_dir=runs/conv_gru-9-crop128
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-9-crop128 \
  --checkpoint_dir=runs/conv_gru-10-context \
  --output_dir=runs/conv_gru-final-5 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=2 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1800 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final-5 \
  --checkpoint_dir=runs/conv_gru-11-crop128
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-11-crop128 \
  --checkpoint_dir=runs/conv_gru-12-context \
  --output_dir=runs/conv_gru-final-6 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=2 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1800 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final-6 \
  --checkpoint_dir=runs/conv_gru-13-crop128
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-13-crop128 \
  --checkpoint_dir=runs/conv_gru-14-context \
  --output_dir=runs/conv_gru-final-7 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=2 \
  --learning_rate=3e-4 --lr_decay_at=0.8 --steps=1800 --checkpoint_minutes=4 \
  --log_every=100 --data_dir=../shared/datasets/train --init_from=runs/conv_gru-final-7 \
  --hard_crops=4 --checkpoint_dir=runs/conv_gru-15-hard128
python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
  --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
  --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
  --data_dir=../shared/datasets/train --init_from=runs/conv_gru-15-hard128 \
  --checkpoint_dir=runs/conv_gru-16-context \
  --output_dir=runs/conv_gru-final-8 --quality=8 \
  --qualities=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
# Shipped as tfcodec/weights/conv_gru (a copy of runs/conv_gru-final-8).
