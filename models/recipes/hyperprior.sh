#!/bin/bash
# The training chain behind the shipped hyperprior weights (2 CPU cores).
# q2 is one long run; every other quality is a short fine-tune of a
# neighbouring one with a new lambda (--init_from: fresh optimizer and step
# counter). Each run writes runs/hyperprior-q<Q>/final, which
#   python -m models.package_weights --checkpoint_dir=runs/hyperprior-q<Q> \
#       --quality=<Q> --output_dir=tfcodec/weights/hyperprior-q<Q>
# turns into shipped weights. Run from the repository root.
set -e
CFG='{"num_filters": 96, "latent_channels": 128, "kernel_parameter": "dct"}'
DATA=../shared/datasets/train

# q2: lambda 0.0035 for steps 0-4600, then (the same command with
# --lmbda=0.002, resuming from the step-4600 checkpoint) to step 15000.
q2() {
  python -m models.train --model=hyperprior --model_config="$CFG" \
    --lmbda=$1 --data_dir=$DATA --steps=15000 \
    --crop_size=128 --batch_size=8 --learning_rate=3e-4 --lr_decay_at=0.8 \
    --checkpoint_dir=runs/hyperprior-q2 --checkpoint_minutes=5 --log_every=200 \
    --output_dir=runs/hyperprior-q2/final --quality=2
}

# Fine-tunes: quality, lambda, starting run, steps.
finetune() {
  python -m models.train --model=hyperprior --model_config="$CFG" \
    --lmbda=$2 --init_from=$3 --data_dir=$DATA --steps=$4 \
    --crop_size=128 --batch_size=8 --learning_rate=1e-4 --lr_decay_at=0.8 \
    --checkpoint_dir=runs/hyperprior-q$1 --checkpoint_minutes=4 --log_every=100 \
    --output_dir=runs/hyperprior-q$1/final --quality=$1
}

q2 0.0035   # stopped after the step-4600 checkpoint
q2 0.002
finetune 3 0.005 runs/hyperprior-q2 3000
finetune 4 0.011 runs/hyperprior-q3 3000
finetune 5 0.024 runs/hyperprior-q4 3000
finetune 6 0.05 runs/hyperprior-q5 3000
finetune 7 0.1 runs/hyperprior-q6 1500   # shortened to fit the session
finetune 1 0.0009 runs/hyperprior-q2 1200  # shortened to fit the session
# Later sessions: more steps at a quality's own lambda, from its shipped
# weights unless a seventh argument names others (fresh Adam and step
# counter): quality, lambda, steps, crop size, batch, run name; any further
# arguments are passed on as flags.
more_steps() {
  python -m models.train --model=hyperprior --model_config="$CFG" \
    --lmbda=$2 --init_from=${7:-tfcodec/weights/hyperprior-q$1} --data_dir=$DATA \
    --steps=$3 --crop_size=$4 --batch_size=$5 --learning_rate=1e-4 \
    --lr_decay_at=0.8 --checkpoint_dir=runs/$6 --checkpoint_minutes=4 \
    --log_every=100 --output_dir=runs/$6/final --quality=$1 "${@:8}"
}

# Quality 6, 2,000 more steps; runs/hyperprior-q6b/final was copied over
# tfcodec/weights/hyperprior-q6.
more_steps 6 0.05 2000 128 8 hyperprior-q6b

# 2026-11-24: 2,000 more steps on 256x256 crops, batch 2 (the same pixels
# per step as 128x128 batch 8), for qualities 4, 6 and 5 in turn, and for
# quality 7 from the run q7b below; each run's final weights replaced that
# quality's shipped weights (cp runs/hyperprior-q<Q>-c256/final/*
# tfcodec/weights/hyperprior-q<Q>/). The A/B behind it, the same run on
# 128x128 crops, batch 8 (runs/hyperprior-q4-c128), is in BUILD_NOTES.md.
more_steps 4 0.011 2000 256 2 hyperprior-q4-c256
more_steps 6 0.05 2000 256 2 hyperprior-q6-c256
more_steps 5 0.024 2000 256 2 hyperprior-q5-c256
# q7b: 4,000 more steps at lambda 0.1 on 128x128 crops from the shipped
# quality 7 (earlier the same day; its weights were not shipped alone).
more_steps 7 0.1 4000 128 8 hyperprior-q7b
more_steps 7 0.1 2000 256 2 hyperprior-q7-c256 runs/hyperprior-q7b/final
# Later the same day: the same for qualities 3, 2 and 1.
more_steps 3 0.005 2000 256 2 hyperprior-q3-c256
more_steps 2 0.002 2000 256 2 hyperprior-q2-c256
more_steps 1 0.0009 2000 256 2 hyperprior-q1-c256
# Then a second round on 256x256 crops for qualities 7 and 6, from their
# weights above.
more_steps 7 0.1 2000 256 2 hyperprior-q7-c256b
more_steps 6 0.05 2000 256 2 hyperprior-q6-c256b
# 2026-11-24, a later session: a second round for qualities 5, 4, 3, 2 and 1.
more_steps 5 0.024 2000 256 2 hyperprior-q5-c256b
more_steps 4 0.011 2000 256 2 hyperprior-q4-c256b
more_steps 3 0.005 2000 256 2 hyperprior-q3-c256b
more_steps 2 0.002 2000 256 2 hyperprior-q2-c256b
more_steps 1 0.0009 2000 256 2 hyperprior-q1-c256b
# A third round for qualities 7 and 6, on a new crop stream (--seed=1: the
# first two rounds both drew the stream of seed 0).
more_steps 7 0.1 2000 256 2 hyperprior-q7-c256c tfcodec/weights/hyperprior-q7 --seed=1
more_steps 6 0.05 2000 256 2 hyperprior-q6-c256c tfcodec/weights/hyperprior-q6 --seed=1
# A third round for qualities 5 to 1 and a fourth for 7 and 6 (each on a crop
# stream none of its earlier rounds drew).
more_steps 5 0.024 2000 256 2 hyperprior-q5-c256c tfcodec/weights/hyperprior-q5 --seed=1
more_steps 4 0.011 2000 256 2 hyperprior-q4-c256c tfcodec/weights/hyperprior-q4 --seed=1
more_steps 7 0.1 2000 256 2 hyperprior-q7-c256d tfcodec/weights/hyperprior-q7 --seed=2
more_steps 6 0.05 2000 256 2 hyperprior-q6-c256d tfcodec/weights/hyperprior-q6 --seed=2
more_steps 3 0.005 2000 256 2 hyperprior-q3-c256c tfcodec/weights/hyperprior-q3 --seed=1
more_steps 2 0.002 2000 256 2 hyperprior-q2-c256c tfcodec/weights/hyperprior-q2 --seed=1
more_steps 1 0.0009 2000 256 2 hyperprior-q1-c256c tfcodec/weights/hyperprior-q1 --seed=1
# Then, in the same session, a fourth round for qualities 5, 4, 3, 2 and 1 (crop
# seed 2) and a fifth for 6 and 7 (crop seed 3).
more_steps 5 0.024 2000 256 2 hyperprior-q5-c256d tfcodec/weights/hyperprior-q5 --seed=2
more_steps 4 0.011 2000 256 2 hyperprior-q4-c256d tfcodec/weights/hyperprior-q4 --seed=2
more_steps 6 0.05 2000 256 2 hyperprior-q6-c256e tfcodec/weights/hyperprior-q6 --seed=3
more_steps 7 0.1 2000 256 2 hyperprior-q7-c256e tfcodec/weights/hyperprior-q7 --seed=3
more_steps 3 0.005 2000 256 2 hyperprior-q3-c256d tfcodec/weights/hyperprior-q3 --seed=2
more_steps 2 0.002 2000 256 2 hyperprior-q2-c256d tfcodec/weights/hyperprior-q2 --seed=2
more_steps 1 0.0009 2000 256 2 hyperprior-q1-c256d tfcodec/weights/hyperprior-q1 --seed=2
# Then a fifth round for quality 5 (crop seed 3).
more_steps 5 0.024 2000 256 2 hyperprior-q5-c256e tfcodec/weights/hyperprior-q5 --seed=3
# 2026-12-06: the synthesis trained on rounded latents (quantization "mixed",
# straight-through; the rate keeps the noise). The A/B behind it, 1,000 steps
# from the shipped quality 5 with each setting on crop seed 4 (the two runs
# side by side, one core each; BUILD_NOTES.md, "Mixed quantization"):
CFG_NOISE=$CFG
CFG='{"num_filters": 96, "latent_channels": 128, "kernel_parameter": "dct", "quantization": "mixed"}'
mixed_round() {  # quality, lambda, steps, run, crop seed, [init_from], [flags]
  TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 more_steps $1 $2 $3 256 2 \
    $4 ${6:-tfcodec/weights/hyperprior-q$1} --seed=$5 "${@:7}"
}
CFG=$CFG_NOISE mixed_round 5 0.024 1000 ab-q5-noise 4
mixed_round 5 0.024 1000 ab-q5-mixed 4
# Then two runs at a time, each pinned to one core (taskset -c 0 / -c 1),
# 4,000 steps each on crop seed 4 (new to both qualities):
mixed_round 6 0.05 4000 hyperprior-q6-m1 4
mixed_round 7 0.1 4000 hyperprior-q7-m1 4
# Then the next pair: quality 4 from its shipped weights (core 0), quality 5
# from the A/B's mixed arm (core 1; crop seed 5, as seed 4 fed that arm).
mixed_round 4 0.011 4000 hyperprior-q4-m1 4
mixed_round 5 0.024 3000 hyperprior-q5-m1 5 runs/ab-q5-mixed/final
# The next pair (2026-12-06/07), crop seed 5, new to both qualities:
mixed_round 7 0.1 4000 hyperprior-q7-m2 5
mixed_round 6 0.05 4000 hyperprior-q6-m2 5
# Then qualities 4 (crop seed 5) and 5 (crop seed 6), 3,000 steps each:
mixed_round 4 0.011 3000 hyperprior-q4-m2 5
mixed_round 5 0.024 3000 hyperprior-q5-m2 6
# 2026-12-07: the first mixed runs for qualities 3 (core 0) and 2 (core 1),
# 4,000 steps each, crop seed 5 (new to both).
mixed_round 3 0.005 4000 hyperprior-q3-m1 5
mixed_round 2 0.002 4000 hyperprior-q2-m1 5
# Then quality 1's first mixed run (core 0, crop seed 5) beside a third for
# quality 7 (core 1, crop seed 6; +0.01 dB against JPEG at its rate, not
# shipped), 3,000 steps each.
mixed_round 1 0.0009 3000 hyperprior-q1-m1 5
mixed_round 7 0.1 3000 hyperprior-q7-m3 6
# 2026-12-07: third mixed runs for qualities 5 (core 0, crop seed 7) and 6
# (core 1, crop seed 6), 4,000 steps each.
mixed_round 5 0.024 4000 hyperprior-q5-m3 7
mixed_round 6 0.05 4000 hyperprior-q6-m3 6
# 2026-12-07 (a later session): a third mixed run for quality 4, then a
# second for quality 3, one after the other on core 1, crop seed 6, 4,000
# steps each.
mixed_round 4 0.011 4000 hyperprior-q4-m3 6
mixed_round 3 0.005 4000 hyperprior-q3-m2 6
# 2026-12-07 (a later session): fourth mixed runs for qualities 5 (core 0,
# crop seed 8) and 6 (core 1, crop seed 7), 4,000 steps each.
mixed_round 5 0.024 4000 hyperprior-q5-m4 8
mixed_round 6 0.05 4000 hyperprior-q6-m4 7
# 2026-12-07 (a fifth session): second mixed run for quality 2 (core 0) and
# third for quality 3 (core 1), crop seed 7 (new to both), 4,000 steps each.
mixed_round 2 0.002 4000 hyperprior-q2-m2 7
mixed_round 3 0.005 4000 hyperprior-q3-m3 7
# Then a fourth mixed run for quality 4 (core 0, crop seed 7, new to it)
# while core 1 ran the refined Kodak evaluations of 2 and 3.
mixed_round 4 0.011 4000 hyperprior-q4-m4 7
# 2026-12-07 (a seventh session): a third mixed run for quality 2 (core 0)
# and a fourth for quality 3 (core 1), crop seed 8 (new to both), 3,000
# steps each.
mixed_round 2 0.002 3000 hyperprior-q2-m3 8
mixed_round 3 0.005 3000 hyperprior-q3-m4 8
# 2026-12-07/08 (a seventh and an eighth session): a fifth mixed run for
# quality 4 (core 0, crop seed 8), stopped by the session's end at step 300's
# checkpoint and resumed by the same command; beside it a fourth for quality
# 2 (core 1, crop seed 9) at a peak learning rate of 3e-5 (the later
# --learning_rate wins).
mixed_round 4 0.011 4000 hyperprior-q4-m5 8
mixed_round 2 0.002 3000 hyperprior-q2-m4 9 "" --learning_rate=3e-5
