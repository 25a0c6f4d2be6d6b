# A threaded Python workload that tests/e2e/test-realprog.sh python runs
# with Debian's /usr/bin/python3 under cprof-trace record: worker threads
# fed through a queue and contending for a lock, children started with
# subprocess.run, then CPU spent in zlib by the main thread. Prints
# figures that do not depend on the threads' timing.
import queue
import subprocess
import threading
import zlib

jobs = queue.Queue(maxsize=16)
results = queue.Queue()
lock = threading.Lock()
counter = {"n": 0}


def worker(k):
    while True:
        item = jobs.get()
        if item is None:
            break
        s = 0
        for i in range(item):
            with lock:
                counter["n"] += 1
            s += i * k
        results.put((k, item, s))


threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for n in range(400):
    jobs.put(100 + n % 50)
for t in threads:
    jobs.put(None)
for t in threads:
    t.join()
items = 0
while not results.empty():
    items += results.get()[1]
print("items", items, "locked", counter["n"])

codes = [subprocess.run(["/bin/true"]).returncode for _ in range(3)]
print("children", codes)

data = bytes(range(256)) * 4096 + b"".join(b"%d," % (i * i) for i in range(200000))
size = 0
for _ in range(3):
    size += len(zlib.compress(data, 9))
print("compressed", size)
