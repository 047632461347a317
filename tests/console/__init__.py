"""The console's browser tests (headless Chromium driven by Playwright); docs/console.md."""
