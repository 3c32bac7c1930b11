"""Run by test/it/stack.test.ts with the stack's Python (moto's virtualenv): stores and deletes S3
objects through moto's S3 backend as patched by scripts/stack/moto_server.py, then prints how many
of those objects Python still holds. 0 means their data was freed; unpatched moto prints them all."""

import gc
import runpy
import sys
import weakref

runpy.run_path(sys.argv[1], run_name="moto_server")  # the patch only; its __main__ part starts a server

from moto.s3.models import s3_backends  # noqa: E402

backend = s3_backends["123456789012"]["aws"]
backend.create_bucket("retention-probe", "us-east-1")
alive = []
for i in range(8):
    key = backend.put_object("retention-probe", f"segment-{i}", b"\x07" * (1 << 20))
    alive.append(weakref.ref(key))
    del key
    backend.delete_object("retention-probe", f"segment-{i}")
backend.delete_bucket("retention-probe")
gc.collect()
print(sum(1 for ref in alive if ref() is not None))
