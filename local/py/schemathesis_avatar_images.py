"""Schemathesis hook of local/checks/schemathesis.sh: avatar bytes are an image's magic number
(PNG, JPEG or GIF, as the document's avatar part says), then anything.

Registered as the strategy of `format: binary` (the avatar is the document's only binary request
field) rather than of the image media types: Schemathesis 4.32's coverage phase fills every other
part of a multipart body with an empty string when a part has a media-type strategy, and calls that
body schema-valid although the document says the name and the email are not blank.
"""
from hypothesis import strategies as st

import schemathesis

MAGIC_NUMBERS = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"]


def image(magic: bytes, rest: bytes) -> bytes:
    return magic + rest


schemathesis.openapi.format("binary", st.builds(image, st.sampled_from(MAGIC_NUMBERS), st.binary(max_size=256)))
