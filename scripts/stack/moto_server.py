"""moto's S3 server for the local stack, without moto's model instance tracking for S3 objects.

moto appends every model instance it ever creates to a class-level list (`instances_tracked`) for
its dashboard and only empties it on `POST /moto-api/reset`. For S3 that list holds every object
ever stored, data included: deleting the object or its bucket frees nothing, and a long test run or
a few benchmark runs (about 1.7 GiB of segments each) grew moto to 10 GiB, pushing the brokers' logs
out of the page cache. Here S3 models are not tracked; everything else, and every S3 behaviour the
tests rely on, is moto's own. Usage: python moto_server.py -H 127.0.0.1 -p PORT (moto_server's
arguments).
"""

import sys

from moto.core.common_models import BaseModel

_tracked_new = BaseModel.__new__


def _new(cls, *args, **kwargs):
    if cls.__module__.startswith("moto.s3."):
        return object.__new__(cls)
    return _tracked_new(cls, *args, **kwargs)


BaseModel.__new__ = staticmethod(_new)

from moto.server import main  # noqa: E402  (after the patch: moto.server imports the S3 models)

if __name__ == "__main__":
    sys.exit(main())
