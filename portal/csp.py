"""Content-Security-Policy values: one strict policy for every page, and a narrower one
for private files (scans) that the review page shows in a frame."""

SCAN_FRAME_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"
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
