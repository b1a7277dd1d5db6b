import ray
import os
import torch

ray.init()
print(torch.cuda.is_available())
