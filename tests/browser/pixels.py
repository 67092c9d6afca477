"""What a screenshot looks like, in numbers: the browser decodes its own PNG (no imaging
library needed), and a test compares how light regions of it are."""

from __future__ import annotations

import base64

from playwright.sync_api import Page

_LUMINANCE = """async ([source, box]) => {
    const image = new Image();
    image.src = source;
    await image.decode();
    const [x, y, width, height] = box || [0, 0, image.naturalWidth, image.naturalHeight];
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    context.drawImage(image, -x, -y);
    const data = context.getImageData(0, 0, width, height).data;
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) {
        sum += 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
    }
    return sum / (data.length / 4) / 255;
}"""


def luminance(page: Page, png: bytes,
              box: tuple[int, int, int, int] | None = None) -> float:
    """Mean luminance (0 black, 1 white) of ``png``, or of its ``box`` (x, y, width, height
    in image pixels). Decoded in a blank page of ``page``'s browser."""
    probe = page.context.new_page()
    try:
        source = "data:image/png;base64," + base64.b64encode(png).decode()
        return float(probe.evaluate(_LUMINANCE, [source, list(box) if box else None]))
    finally:
        probe.close()
