"""Image files (png, jpg, tiff incl. multi-page, bmp, gif, webp): every page handed to OCR.

Nothing is read here: each page (frame) becomes an
:class:`~scanner.types.ImageRef` whose box is the whole page, in pixels,
and the OCR stage (:mod:`scanner.ocr`) reads it -- or, with OCR off,
reports it as not read, so an image file is never ``pass`` unread.
"""

from __future__ import annotations

import io

from scanner.extract._common import Collector, ExtractError
from scanner.extract._images import MAX_SCAN_PAGES
from scanner.ocr import PAGE_SCAN
from scanner.types import ImageRef


def extract(data: bytes, out: Collector) -> None:
    """Register each page of the image in ``data``.  Raises :class:`ExtractError` if it cannot be decoded."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            single = frames == 1
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if number > MAX_SCAN_PAGES:
                    out.error(
                        f"图像共 {frames} 页，只识别了前 {MAX_SCAN_PAGES} 页 "
                        f"/ image has {frames} pages: only the first {MAX_SCAN_PAGES} were read"
                    )
                    break
                page = _page_image(frame, number, single)
                out.images.append(page)
            out.pages = min(frames, MAX_SCAN_PAGES)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ExtractError(f"图像文件损坏或格式不支持，无法读取 / cannot decode image: {error}") from error


def _page_image(frame: object, number: int, single: bool) -> ImageRef:
    from PIL import Image

    assert isinstance(frame, Image.Image)
    width, height = frame.size
    buffer = io.BytesIO()
    frame.convert("RGB").save(buffer, format="PNG")
    return ImageRef(
        name="图像" if single else f"图像第{number}页",
        data=buffer.getvalue(),
        page=number,
        box=(0.0, 0.0, float(width), float(height)),
        page_size=(float(width), float(height)),
        source=PAGE_SCAN,
    )
