"""Waiting for photos in a page under test."""

import time


def images_loaded(locator, timeout_ms: int = 10_000) -> bool:
    """Whether every image the locator matches has loaded (complete, with a width), waiting for
    them: a photo requested a moment before the check may still be on its way."""
    script = "imgs => imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)"
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        if locator.evaluate_all(script):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
