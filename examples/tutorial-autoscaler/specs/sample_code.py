import ray
ray.init()

import time
@ray.remote
def square(x):
    time.sleep(100)
    return x * x


futures = [square.remote(i) for i in range(40)]
print(ray.get(futures))
