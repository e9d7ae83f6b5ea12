"""The README's screenshots: `make screenshots` writes docs/screenshots/*.png.

The demo served as production serves it (benchmarks/served_demo.py), opened in Debian's headless
Chromium through Playwright, logged in through the login form as the person each page is for.
Each page at a laptop's width (1280 CSS pixels) and a phone's (390), the first screenful only, at
device scale 1 to keep the files small. Where Debian's `pngquant` is installed, the PNGs are
reduced to a palette (a third of the size, no visible change); without it they stay larger.
"""

import os
import shutil
import subprocess

from benchmarks.served_demo import BASE_DIR, served_demo

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = BASE_DIR / "docs/screenshots"
PNGQUANT = shutil.which("pngquant")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
# (file name, page name in tests/key_pages.py)
SHOTS = [
    ("dashboard", "dashboard"),
    ("plan", "plan"),
    ("board", "board"),
    ("my-tasks", "my tasks"),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with served_demo() as base:
        import django

        django.setup()
        from tests.browser.conftest import CHROMIUM_ARGS, login
        from tests.key_pages import key_pages

        pages = {page.name: page for page in key_pages()}
        OUTPUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for size, (width, height) in SIZES.items():
                for slug, name in SHOTS:
                    page = pages[name]
                    context = browser.new_context(
                        locale="nb-NO",
                        viewport={"width": width, "height": height},
                        device_scale_factor=1,
                        reduced_motion="reduce",
                    )
                    tab = context.new_page()
                    login(tab, base, page.username)
                    tab.goto(base + page.url)
                    tab.wait_for_load_state("load")
                    path = OUTPUT / f"{slug}-{size}.png"
                    tab.screenshot(path=path, animations="disabled", caret="initial")
                    if PNGQUANT:
                        subprocess.run(  # noqa: S603 - pngquant on our own file
                            [PNGQUANT, "--quality=70-95", "--speed=1", "--strip", "--force"]
                            + ["--output", str(path), str(path)],
                            check=True,
                        )
                    print(f"{path.relative_to(BASE_DIR)}: {path.stat().st_size // 1024} KiB")
                    context.close()
            browser.close()
        if not PNGQUANT:
            print("pngquant is not installed (apt-get install pngquant): the PNGs are not reduced.")


if __name__ == "__main__":
    main()
