"""Trains a ResNet with Ray Train; one worker per GPU."""

import argparse
import os

import ray
from ray.train import RunConfig, ScalingConfig
from ray.train.torch import TorchTrainer


def train_loop(config: dict) -> None:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"epochs={config['epochs']} device={device} data={os.environ.get('DATA_URI')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--checkpoints", default="/tmp/checkpoints")
    args = parser.parse_args()

    ray.init()
    use_gpu = ray.cluster_resources().get("GPU", 0) > 0
    trainer = TorchTrainer(
        train_loop,
        train_loop_config={"epochs": args.epochs},
        scaling_config=ScalingConfig(num_workers=1, use_gpu=use_gpu),
        run_config=RunConfig(storage_path=args.checkpoints),
    )
    print(trainer.fit())


if __name__ == "__main__":
    main()
