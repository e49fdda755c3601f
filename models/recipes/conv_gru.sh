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
# 17. (a later session) Step 15 again, from the weights of step 16.
# 18. The context model alone again.
# 19. (a later session) Step 17 again, from the weights of step 18.
# 20. The context model alone again.
# Run from the repository root.
set -e
DATA=../shared/datasets/train
ALL=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
# The codec: run name, crop size, batch, steps, log interval, then any
# further flags (--init_from, --hard_crops).
codec() {
  python -m models.train --model=conv_gru --lmbda=1 --crop_size=$2 --batch_size=$3 \
    --learning_rate=3e-4 --lr_decay_at=0.8 --steps=$4 --checkpoint_minutes=4 \
    --log_every=$5 --data_dir=$DATA "${@:6}" --checkpoint_dir=runs/$1
}
# The context model alone: run name, the codec run it starts from, the
# package directory it writes.
context() {
  python -m models.train --model=conv_gru --lmbda=1 --crop_size=128 --batch_size=4 \
    --model_config='{"train_part": "context"}' --learning_rate=1e-3 \
    --lr_decay_at=0.7 --steps=250 --checkpoint_minutes=4 --log_every=25 \
    --data_dir=$DATA --init_from=runs/$2 \
    --checkpoint_dir=runs/$1 \
    --output_dir=runs/$3 --quality=8 \
    --qualities=$ALL
}
codec conv_gru-1 32 32 1100 50
context conv_gru-2-context conv_gru-1 conv_gru-final
codec conv_gru-3 32 32 1200 100 --init_from=runs/conv_gru-final
context conv_gru-4-context conv_gru-3 conv_gru-final-2
codec conv_gru-5 32 32 1200 100 --init_from=runs/conv_gru-final-2
context conv_gru-6-context conv_gru-5 conv_gru-final-3
codec conv_gru-7-crop64 64 8 1800 100 --init_from=runs/conv_gru-final-3
context conv_gru-8-context conv_gru-7-crop64 conv_gru-final-4
codec conv_gru-9-crop128 128 2 1800 100 --init_from=runs/conv_gru-final-4
context conv_gru-10-context conv_gru-9-crop128 conv_gru-final-5
codec conv_gru-11-crop128 128 2 1800 100 --init_from=runs/conv_gru-final-5
context conv_gru-12-context conv_gru-11-crop128 conv_gru-final-6
codec conv_gru-13-crop128 128 2 1800 100 --init_from=runs/conv_gru-final-6
context conv_gru-14-context conv_gru-13-crop128 conv_gru-final-7
codec conv_gru-15-hard128 128 2 1800 100 --init_from=runs/conv_gru-final-7 --hard_crops=4
context conv_gru-16-context conv_gru-15-hard128 conv_gru-final-8
codec conv_gru-17-hard128 128 2 1800 100 --init_from=runs/conv_gru-final-8 --hard_crops=4
context conv_gru-18-context conv_gru-17-hard128 conv_gru-final-9
codec conv_gru-19-hard128 128 2 1800 100 --init_from=runs/conv_gru-final-9 --hard_crops=4
context conv_gru-20-context conv_gru-19-hard128 conv_gru-final-10
# Shipped as tfcodec/weights/conv_gru (a copy of runs/conv_gru-final-10).
