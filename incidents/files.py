"""Reporters' files: what is stored, and how it goes back out to staff (docs/security.md).

Only real images are ever shown inline. On the way in (`clean_upload`, called by
`actions.do_attach_file`, so LINE, the simulator and any later entry point share it) Pillow must decode
the bytes as JPEG, PNG, GIF or WebP; the picture is then re-encoded from its pixels, which drops every
metadata block (EXIF with its GPS position, XMP, comments) and anything appended after the image data.
Everything else (HTML, SVG, PDF, audio, video, a "photo" that does not decode) is kept byte for byte but
stored as `application/octet-stream`.

On the way out (`file_response`, used by the console, the responder screen and the API) the bytes are
checked again, because rows stored before this rule existed may hold anything: an image Pillow
recognises goes out inline as its own type, everything else as a download. Every file response carries
`Content-Security-Policy: sandbox; default-src 'none'`, `X-Content-Type-Options: nosniff` and
`Cache-Control: no-store`, so even a file a browser were persuaded to render runs no script, loads
nothing and is not left in a shared PC's cache.
"""

import io
from dataclasses import dataclass

from django.http import FileResponse, HttpResponse
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name → the type the file is served as.
INLINE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
DOWNLOAD_TYPE = "application/octet-stream"
# Far above any phone photo (LINE sends at most about 4000 × 4000); refuses decompression bombs early.
MAX_PIXELS = 40_000_000
FILE_CSP = "sandbox; default-src 'none'"
THUMBNAIL_SIZE = (320, 320)


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    extension: str

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_FORMATS.values()


def _decode(data: bytes) -> Image.Image | None:
    """The image in `data` if Pillow decodes it completely as one of INLINE_FORMATS, else None."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in INLINE_FORMATS or probe.width * probe.height > MAX_PIXELS:
                return None
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return image


def clean_upload(data: bytes) -> CleanFile:
    """Re-encode a real image without its metadata; anything else becomes an opaque download."""
    image = _decode(data)
    if image is None:
        return CleanFile(data, DOWNLOAD_TYPE, ".bin")
    source_format = image.format
    # Apply the EXIF orientation to the pixels before the EXIF goes, so the photo stays upright.
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if source_format == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=90)
        return CleanFile(out.getvalue(), "image/jpeg", ".jpg")
    # PNG, GIF and WebP become PNG (a GIF keeps its first frame): lossless, and one format less to trust.
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    image.save(out, format="PNG")
    return CleanFile(out.getvalue(), "image/png", ".png")


def inline_type(handle) -> str | None:
    """The image type to serve the open file as, or None when it must be a download."""
    try:
        with Image.open(handle) as image:
            kind = INLINE_FORMATS.get(image.format or "")
            if kind and image.width * image.height <= MAX_PIXELS:
                return kind
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        pass
    finally:
        handle.seek(0)
    return None


def protect(response: HttpResponse) -> HttpResponse:
    """The headers every reporter's file goes out with."""
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _thumbnail(handle) -> HttpResponse:
    try:
        with Image.open(handle) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return HttpResponse(status=415)
    return HttpResponse(out.getvalue(), content_type="image/jpeg")


def file_response(attachment, *, thumbnail: bool = False) -> HttpResponse:
    """Serve an Attachment: inline only when its bytes are an image, else as a download. Raises
    FileNotFoundError when the stored file is gone."""
    handle = attachment.file.open("rb")
    kind = inline_type(handle)
    name = attachment.file.name.rsplit("/", 1)[-1] or f"attachment-{attachment.pk}"
    if kind is None:
        stem = name.rsplit(".", 1)[0]
        response = FileResponse(handle, as_attachment=True, filename=f"{stem}.bin", content_type=DOWNLOAD_TYPE)
    elif thumbnail:
        with handle:
            response = _thumbnail(handle)
    else:
        response = FileResponse(handle, content_type=kind, filename=name)
    return protect(response)
