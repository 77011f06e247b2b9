"""Content-Security-Policy values: one strict policy for every page, and a narrower one
for private files (scans) that the review page shows in a frame."""

# A scan is a PDF or image (served with nosniff), never HTML; a stricter policy here would
# stop the browser's own PDF viewer inside the frame.
SCAN_FRAME_CSP = "frame-ancestors 'self'"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ]
)
