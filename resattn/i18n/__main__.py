"""``python -m resattn.i18n update``: refresh the ``.po`` catalogs from the code (see
`resattn.i18n.catalogs`)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv != ["update"]:
        print("usage: python -m resattn.i18n update", file=sys.stderr)
        return 2
    from resattn.i18n.catalogs import update

    for domain, counts in update().items():
        for lang, missing in counts.items():
            print(f"{domain} [{lang}]: {missing} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
